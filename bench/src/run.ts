import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer } from '@graflow/testing';
import { BENCH } from './config';
import { dispatchSection, roundTripSection, throughputSection } from './distributed-bench';
import { commandsSection } from './commands-bench';
import { concurrentSection } from './concurrent-bench';
import { importSection } from './import-bench';
import { rssSection } from './rss-bench';
import type { BenchRow, BenchSection } from './section';
import { storeSection } from './store-bench';

const sections: BenchSection[] = [importSection, storeSection, commandsSection, throughputSection, dispatchSection, roundTripSection, concurrentSection, rssSection];

const RESULTS_FILE = join(__dirname, '..', 'results', 'latest.json');

interface SectionResult {
  section: string;
  rows: BenchRow[];
  json: unknown;
  notes?: string[];
  ratios?: Record<string, number>;
}

function printTable(results: SectionResult[]): void {
  const lines = results.flatMap(({ section, rows }) =>
    rows.map((r) => [section, r.metric, r.value, r.raw ?? '', r.ratio ?? '', r.unit ?? '', r.target ?? '']),
  );
  const header = ['section', 'workload', 'graflow', 'raw bullmq', 'ratio', 'unit', 'target'];
  const numeric = new Set([2, 3, 4]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  const notes = results.flatMap(({ section, notes: n }) => (n ?? []).map((note) => `- [${section}] ${note}`));
  if (notes.length > 0) console.log(`\nnotes:\n${notes.join('\n')}`);
}

async function main(): Promise<void> {
  // A private server, never the developer's Redis on 6379.
  const server = await startRedisServer();
  try {
    const redis = { host: server.host, port: server.port };
    const results: SectionResult[] = [];
    const started = Date.now();
    for (const section of sections.filter((s) => !BENCH.sections || BENCH.sections.includes(s.name))) {
      const sectionStarted = Date.now();
      console.error(`[bench] ${section.name}...`);
      const { rows, json, notes, ratios } = await section.run({ redis });
      console.error(`[bench] ${section.name} done in ${((Date.now() - sectionStarted) / 1000).toFixed(1)} s`);
      results.push({ section: section.name, rows, json, ...(notes ? { notes } : {}), ...(ratios ? { ratios } : {}) });
    }
    console.error(`[bench] all sections in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    printTable(results);
    mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      sizes: BENCH,
      // Graflow divided by raw BullMQ in this run: times (lower is better) for dispatch and round
      // trip, rates (higher is better) for throughput and concurrent runs.
      ratios: Object.assign({}, ...results.map((r) => r.ratios ?? {})) as Record<string, number>,
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
