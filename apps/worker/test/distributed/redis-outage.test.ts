import { GraflowConnectionError, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { sleepUnlessAborted, startRedisServer, uniquePrefix, waitFor, type RedisServerHandle } from '@graflow/testing';
import IORedis from 'ioredis';
import { TaskWorker } from '@graflow/worker';

// Each branch announces itself on the channel, then works for `ms`.
const work = task('outage-work', async (ctx: TaskContext<{ n: number; ms: number }>) => {
  await ctx.channel.append('started', ctx.taskId);
  await sleepUnlessAborted(ctx.params.ms, ctx.signal);
  return ctx.params.n * 10;
});
const wf = workflow('outage', () => parallel(...[1, 2, 3].map((n) => work.bind({ n, ms: 1_500 }, { id: `w${n}` }))).named('outage-group'));

describe('Redis goes away while a run waits on its group', () => {
  let redis: RedisServerHandle;
  let worker: TaskWorker | undefined;
  beforeEach(async () => {
    redis = await startRedisServer({ appendOnly: true });
  });
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 1_000 }).catch(() => undefined);
    await redis.stop();
  });

  async function startRun(prefix: string, redisUnavailableTimeoutMs: number) {
    worker = new TaskWorker({ redis: { host: redis.host, port: redis.port }, keyPrefix: prefix, concurrency: 4, lockDurationMs: 2_000, stalledIntervalMs: 1_000 });
    await worker.start();
    const run = wf.run({ queueBackend: 'redis', config: { host: redis.host, port: redis.port, keyPrefix: prefix }, redisUnavailableTimeoutMs });
    run.catch(() => undefined);
    const probe = new IORedis({ host: redis.host, port: redis.port });
    try {
      await waitFor(async () => {
        const [key] = await probe.keys(`${prefix}:*:ch:started`);
        return key !== undefined && (await probe.llen(key)) === 3;
      }, { timeoutMs: 10_000, what: 'every branch to start' });
    } finally {
      probe.disconnect();
    }
    return { run };
  }

  test('back within redisUnavailableTimeoutMs (AOF restart): the run completes normally', async () => {
    const { run } = await startRun(uniquePrefix('outage-back'), 20_000);
    await redis.kill();
    await redis.restart();
    const { output } = await run;
    expect(output).toEqual({ w1: 10, w2: 20, w3: 30 });
  });

  test('gone for longer: the run fails with GraflowConnectionError naming host:port, instead of waiting forever', async () => {
    const prefix = uniquePrefix('outage-gone');
    const { run } = await startRun(prefix, 1_500);
    await redis.kill();
    const err = await run.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GraflowConnectionError);
    expect((err as Error).message).toContain(`Redis at ${redis.host}:${redis.port} (key prefix '${prefix}') was unreachable for 1500 ms (redisUnavailableTimeoutMs)`);
    await redis.restart(); // lets the worker stop cleanly in afterEach
  });
});
