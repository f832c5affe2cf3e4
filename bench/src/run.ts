import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer } from '@graflow/testing';
import { storeSection } from './store-bench';

/** One line of the printed table. */
export interface BenchRow {
  metric: string;
  value: string;
  unit?: string;
  /** The goal this number is held to, if any (for the reader; nothing fails on it). */
  target?: string;
}

/** A group of measurements; add one to `sections` below to include it in `npm run bench`. */
export interface BenchSection {
  name: string;
  run(context: { redis: { host: string; port: number } }): Promise<{ rows: BenchRow[]; json: unknown }>;
}

const sections: BenchSection[] = [storeSection];

const RESULTS_FILE = join(__dirname, '..', 'results', 'latest.json');

function printTable(results: { section: string; rows: BenchRow[] }[]): void {
  const lines = results.flatMap(({ section, rows }) =>
    rows.map((r) => [section, r.metric, r.value, r.unit ?? '', r.target ?? '']),
  );
  const header = ['section', 'metric', 'value', 'unit', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  // A private server, never the developer's Redis on 6379.
  const server = await startRedisServer();
  try {
    const redis = { host: server.host, port: server.port };
    const results: { section: string; rows: BenchRow[]; json: unknown }[] = [];
    for (const section of sections) {
      const { rows, json } = await section.run({ redis });
      results.push({ section: section.name, rows, json });
    }
    printTable(results);
    mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      sections: Object.fromEntries(results.map((r) => [r.section, r.json])),
    };
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${RESULTS_FILE}`);
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
