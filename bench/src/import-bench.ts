import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchRow, BenchSection } from './section';
import { median } from './stats';

const exec = promisify(execFile);
const CORE = join(__dirname, '..', '..', 'packages', 'core', 'dist', 'index.js');

/**
 * A fresh Node process requires `@graflow/core` and runs a small workflow in-process; it reports
 * the require time, the run time, and whether any bullmq or ioredis module was loaded.
 */
const PROBE = `
const t0 = process.hrtime.bigint();
const core = require(${JSON.stringify(CORE)});
const t1 = process.hrtime.bigint();
const add = core.task('imp-add', (ctx) => ctx.params.n + 1);
const wf = core.workflow('imp', () => core.chain(add.bind({ n: 1 }, { id: 'a' }), core.parallel(add.bind({ n: 2 }, { id: 'b' }), add.bind({ n: 3 }, { id: 'c' }))));
wf.run().then(() => {
  const t2 = process.hrtime.bigint();
  const loaded = Object.keys(require.cache).filter((p) => /node_modules\\/(bullmq|ioredis)\\//.test(p)).length;
  console.log(JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, runMs: Number(t2 - t1) / 1e6, redisModules: loaded }));
});
`;

/** Issue 10: importing `@graflow/core` for an in-process run loads no Redis client and is fast. */
export const importSection: BenchSection = {
  name: 'import',
  async run() {
    const samples: Array<{ requireMs: number; runMs: number; redisModules: number }> = [];
    for (let i = 0; i < 11; i++) {
      const { stdout } = await exec(process.execPath, ['-e', PROBE]);
      samples.push(JSON.parse(stdout.trim()) as { requireMs: number; runMs: number; redisModules: number });
    }
    const requireMs = median(samples.map((s) => s.requireMs));
    const runMs = median(samples.map((s) => s.runMs));
    const rows: BenchRow[] = [
      { metric: "require('@graflow/core') in a fresh process (median of 11)", value: requireMs.toFixed(1), unit: 'ms', target: '< 60 ms' },
      { metric: 'then an in-process chain + group run', value: runMs.toFixed(1), unit: 'ms' },
      { metric: 'bullmq/ioredis modules loaded by that', value: String(Math.max(...samples.map((s) => s.redisModules))), unit: 'modules', target: '0' },
    ];
    return { json: { samples, requireMs, runMs }, rows };
  },
};
