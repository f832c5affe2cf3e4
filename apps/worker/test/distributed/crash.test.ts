import { join } from 'node:path';
import { Barrier, groupKeyOf, parallel, RunKeys, task, workflow, type TaskContext } from '@graflow/core';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';
import { spawnWorker, type WorkerProcess } from './spawn-worker';

const TASKS = join(__dirname, 'fixtures', 'dist-tasks.js');
// Same id as the fixture; this function never runs here (every group goes to the workers).
const work = task('dist-work', (_ctx: TaskContext<{ n: number; ms: number }>): number => {
  throw new Error('runs on workers only');
});

describe('at-least-once delivery with exactly-once counting', () => {
  const redis = new IORedis(sharedRedis());
  const started: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((w) => w.stop('SIGKILL')));
    redis.disconnect();
  });

  test('a worker SIGKILLed mid-group: another re-runs its branches, each counted once', async () => {
    const prefix = uniquePrefix('sigkill');
    const common = ['--redis-port', String(sharedRedis().port), '--redis-key-prefix', prefix, '--tasks', TASKS, '--lock-duration', '1000', '--stalled-interval', '500'];
    const doomed = await spawnWorker([...common, '--worker-id', 'doomed', '--concurrency', '10']);
    started.push(doomed);
    const n = 10;
    const wf = workflow('crash', () => parallel(...Array.from({ length: n }, (_, i) => work.bind({ n: i + 1, ms: 1_500 }, { id: `w${i}` }))).named('crash-group'));
    const run = wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix } });
    const keys = new RunKeys(prefix, '*');
    // Every branch has started on the doomed worker: kill it mid-task.
    await waitFor(async () => {
      const lists = await redis.keys(keys.channel('executions'));
      return lists.length === 1 && (await redis.llen(lists[0]!)) >= n;
    }, { timeoutMs: 20_000, what: 'all branches to start on the first worker' });
    await doomed.stop('SIGKILL');
    const rescuer = await spawnWorker([...common, '--worker-id', 'rescuer', '--concurrency', '10']);
    started.push(rescuer);

    const { runId, output } = await run;
    const values = Object.values(output as Record<string, number>);
    expect(values.reduce((a, b) => a + b, 0)).toBe((n * (n + 1)) / 2);

    const runKeys = new RunKeys(prefix, runId);
    const barrier = new Barrier(redis, runKeys.barrier(groupKeyOf('/crash-group@1')), 60);
    const meta = await barrier.meta();
    expect(meta).toMatchObject({ total: n, done: n, ok: n, fail: 0, decided: 'succeeded' });
    // Each branch ran twice (once on each worker) and was counted once.
    const executions = (await redis.lrangeBuffer(runKeys.channel('executions'), 0, -1)).length;
    expect(executions).toBeGreaterThanOrEqual(2 * n);
    await rescuer.stop();
  });
});
