import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const CORE = join(__dirname, '..', 'dist', 'index.js');

// What a user's process does: require the built package and run a workflow in-process. The Redis
// backend (bullmq, ioredis) must not load until a run or `connect()` asks for Redis.
const PROBE = `
const core = require(${JSON.stringify(CORE)});
const add = core.task('weight-add', (ctx) => ctx.params.n + 1);
const wf = core.workflow('weight', () => core.chain(add.bind({ n: 1 }, { id: 'a' }), core.parallel(add.bind({ n: 2 }, { id: 'b' }), add.bind({ n: 3 }, { id: 'c' }))));
wf.run().then(({ output, results }) => {
  const loaded = Object.keys(require.cache).filter((p) => /node_modules[\\\\/](bullmq|ioredis)[\\\\/]/.test(p));
  console.log(JSON.stringify({ output, results, loaded }));
});
`;

describe('importing @graflow/core for an in-process run', () => {
  test('loads no bullmq or ioredis module, and runs the workflow', async () => {
    const { stdout } = await exec(process.execPath, ['-e', PROBE]);
    const report = JSON.parse(stdout.trim()) as { output: unknown; results: Record<string, number>; loaded: string[] };
    expect(report.output).toEqual({ b: 3, c: 4 });
    expect(report.results).toEqual({ a: 2, b: 3, c: 4 });
    expect(report.loaded).toEqual([]);
  });

  test('the import itself loads no dependency: codecs and the store load on first use', async () => {
    const probe = `
      require(${JSON.stringify(CORE)});
      console.log(JSON.stringify(Object.keys(require.cache).filter((p) => /node_modules[\\\\/]/.test(p) || /packages[\\\\/]store[\\\\/]/.test(p))));`;
    const { stdout } = await exec(process.execPath, ['-e', probe]);
    expect(JSON.parse(stdout.trim())).toEqual([]);
  });

  test('loads the Redis backend once a client is asked for', async () => {
    const probe = `
      const core = require(${JSON.stringify(CORE)});
      core.connect({ port: 1, keyPrefix: 'nowhere' }, { connectTimeoutMs: 200 }).catch((err) => {
        const loaded = Object.keys(require.cache).some((p) => /node_modules[\\\\/]bullmq[\\\\/]/.test(p));
        console.log(JSON.stringify({ name: err.name, loaded }));
      });`;
    const { stdout } = await exec(process.execPath, ['-e', probe]);
    expect(JSON.parse(stdout.trim())).toEqual({ name: 'GraflowConnectionError', loaded: true });
  });
});
