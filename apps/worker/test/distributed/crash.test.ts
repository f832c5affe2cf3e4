import { join } from 'node:path';
import { chain, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { Barrier, groupKeyOf, RunKeys } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';
import { FAST_RECOVERY, spawnWorker, type SpawnedWorker } from '../fixtures/worker';

const TASKS = join(__dirname, 'fixtures', 'dist-tasks.js');
// Same id as the fixture; this function never runs here (every group goes to the workers).
const work = task('dist-work', (_ctx: TaskContext<{ n: number; ms: number }>): number => {
  throw new Error('runs on workers only');
});

describe('at-least-once delivery with exactly-once counting', () => {
  const redis = new IORedis(sharedRedis());
  const started: SpawnedWorker[] = [];
  const start = async (prefix: string, args: string[]) => {
    const worker = await spawnWorker(sharedRedis(), prefix, args, { tasks: [TASKS] });
    started.push(worker);
    return worker;
  };
  const kill = async (worker: SpawnedWorker) => {
    worker.proc.signal('SIGKILL');
    await worker.proc.waitForExit();
  };
  afterAll(async () => {
    for (const w of started) if (!w.proc.exit) w.proc.signal('SIGKILL');
    await Promise.all(started.map((w) => w.proc.exited));
    redis.disconnect();
  });

  test('a worker SIGKILLed mid-group: another re-runs its branches, each counted once', async () => {
    const prefix = uniquePrefix('sigkill');
    // Test-only recovery settings on these two; a third worker runs with a user's defaults.
    const doomed = await start(prefix, [...FAST_RECOVERY, '--worker-id', 'doomed', '--concurrency', '10']);
    const n = 10;
    const wf = workflow('crash', () => parallel(...Array.from({ length: n }, (_, i) => work.bind({ n: i + 1, ms: 1_500 }, { id: `w${i}` }))).named('crash-group'));
    const run = wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix } });
    const keys = new RunKeys(prefix, '*');
    // Every branch has started on the doomed worker: kill it mid-task.
    await waitFor(async () => {
      const lists = await redis.keys(keys.channel('executions'));
      return lists.length === 1 && (await redis.llen(lists[0]!)) >= n;
    }, { timeoutMs: 20_000, what: 'all branches to start on the first worker' });
    await kill(doomed);
    const rescuer = await start(prefix, [...FAST_RECOVERY, '--worker-id', 'rescuer', '--concurrency', '10']);
    const bystander = await start(prefix, []);

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
    for (const w of [rescuer, bystander]) {
      w.proc.signal('SIGTERM');
      expect((await w.proc.waitForExit()).code).toBe(0);
    }
  });

  test('a chain branch resumed after its worker died skips the steps it had finished (replay journal)', async () => {
    const prefix = uniquePrefix('journal');
    const doomed = await start(prefix, [...FAST_RECOVERY, '--worker-id', 'doomed', '--concurrency', '4']);
    const step = (arm: number, stage: string, ms: number) => work.bind({ n: arm, ms }, { id: `arm${arm}-${stage}` });
    const arms = [1, 2, 3].map((arm) => chain(step(arm, 'first', 0), step(arm, 'second', 1_500)));
    const wf = workflow('journal', () => parallel(...arms).named('arms'));
    const run = wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix } });
    const executions = async () => {
      const key = (await redis.keys(new RunKeys(prefix, '*').channel('executions')))[0];
      // Entries are msgpack strings ("<tag byte>armN-stage@pid"): keep the step name.
      return key ? (await redis.lrange(key, 0, -1)).map((e) => /arm\d-(first|second)/.exec(e)?.[0] ?? e) : [];
    };
    await waitFor(async () => (await executions()).filter((e) => e.endsWith('-second')).length === 3, { timeoutMs: 20_000, what: 'every arm to reach its second step' });
    await kill(doomed);
    const rescuer = await start(prefix, [...FAST_RECOVERY, '--worker-id', 'rescuer', '--concurrency', '4']);
    const { results } = await run;
    expect(Object.keys(results).sort()).toEqual(['arm1-first', 'arm1-second', 'arm2-first', 'arm2-second', 'arm3-first', 'arm3-second']);
    const done = await executions();
    for (const arm of [1, 2, 3]) {
      expect(done.filter((e) => e === `arm${arm}-first`)).toHaveLength(1);
      expect(done.filter((e) => e === `arm${arm}-second`)).toHaveLength(2);
    }
    rescuer.proc.signal('SIGTERM');
    await rescuer.proc.waitForExit();
  });
});
