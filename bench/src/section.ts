/** What every bench section is and returns; `run.ts` prints the rows and writes the JSON. */

/** One line of the printed table. */
export interface BenchRow {
  metric: string;
  /** Graflow's number. */
  value: string;
  /** The raw BullMQ number of the same workload on the same Redis, if it has one. */
  raw?: string;
  /** graflow / raw. */
  ratio?: string;
  unit?: string;
  /** The goal this number is held to, if any (for the reader; nothing fails on it). */
  target?: string;
}

/** A group of measurements; add one to `sections` below to include it in `npm run bench`. */
export interface BenchSection {
  name: string;
  run(context: { redis: { host: string; port: number } }): Promise<{ rows: BenchRow[]; json: unknown; notes?: string[]; ratios?: Record<string, number> }>;
}
