import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Sample statistics shared by the sections. */

/** The sample at quantile `q` (0..1) by nearest rank. */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time of `run` in microseconds. */
export async function timeUs(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1_000;
}

/** Wall time of `run` in milliseconds. */
export async function timeMs(run: () => Promise<unknown>): Promise<number> {
  return (await timeUs(run)) / 1_000;
}

export const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1);
export const ratio = (graflow: number, raw: number) => `${(graflow / raw).toFixed(2)}x`;
export const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

/** A full garbage collection, for memory readings that hold only what is still referenced. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
