import { BarrierGoneError, parallel, resolveRedisConfig, RunIdInUseError, task, workflow, type TaskContext } from '@graflow/core';
import { claimRun, groupKeyOf, RedisRuntime, RunKeys } from '@graflow/core/redis';
import { sharedRedis, sleepUnlessAborted, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';
import { withWorkers } from './redis-harness';

const redis = new IORedis(sharedRedis());
afterAll(() => redis.disconnect());

const nap = task('life-nap', async (ctx: TaskContext<{ ms: number }>) => {
  await sleepUnlessAborted(ctx.params.ms, ctx.signal);
  return ctx.params.ms;
});
const napping = (name: string, ms: number) => workflow(name, () => parallel(nap.bind({ ms }, { id: 'a' }), nap.bind({ ms: 1 }, { id: 'b' })).named(name));

describe('run ids and the run TTL', () => {
  test('a run id still in use is refused with RunIdInUseError, while running and after', async () => {
    const h = await withWorkers('life-reuse', 1);
    try {
      const wf = napping('life-reuse', 600);
      const first = h.run(wf, { runId: 'reused-1' });
      // The first run claims its id before the second one tries.
      await waitFor(async () => (await redis.exists(new RunKeys(h.prefix, 'reused-1').meta)) === 1, { what: 'the first claim' });
      const meanwhile = await h.run(wf, { runId: 'reused-1' }).catch((e: unknown) => e);
      expect(meanwhile).toBeInstanceOf(RunIdInUseError);
      expect((meanwhile as Error).message).toBe(
        `run id 'reused-1' is already used under key prefix '${h.prefix}' (status: running); a run id names one run until its keys expire (runTtlSeconds): omit runId for a fresh one, or use getRun() to follow that run`,
      );
      expect((await first).output).toEqual({ a: 600, b: 1 });
      const after = await h.run(wf, { runId: 'reused-1' }).catch((e: unknown) => e);
      expect((after as Error).message).toContain('(status: succeeded)');
    } finally {
      await h.close();
    }
  });

  test('a claim repeated with its own epoch (a script resent after a reconnect) is still the same run', async () => {
    const prefix = uniquePrefix('life-claim');
    const runtime = await RedisRuntime.connect(resolveRedisConfig({ ...sharedRedis(), keyPrefix: prefix }), { connectTimeoutMs: 2_000 });
    try {
      const first = await claimRun(runtime, 'claim-1', { ttlSeconds: 60, status: 'running', name: 'wf' });
      expect(await claimRun(runtime, 'claim-1', { ttlSeconds: 60, status: 'running', name: 'wf', epoch: first.epoch })).toEqual(first);
      await expect(claimRun(runtime, 'claim-1', { ttlSeconds: 60, status: 'running', name: 'wf' })).rejects.toBeInstanceOf(RunIdInUseError);
    } finally {
      await runtime.close();
    }
  });

  test('a run id whose keys expired can be used again, even while its old jobs linger', async () => {
    const h = await withWorkers('life-expired', 1);
    try {
      const wf = napping('life-expired', 1);
      await h.run(wf, { runId: 'again-1', runTtlSeconds: 1 });
      await waitFor(async () => (await redis.exists(new RunKeys(h.prefix, 'again-1').meta)) === 0, { timeoutMs: 5_000, what: 'the run keys to expire' });
      const { output } = await h.run(wf, { runId: 'again-1', runTtlSeconds: 1 });
      expect(output).toEqual({ a: 1, b: 1 });
    } finally {
      await h.close();
    }
  });

  test('a group that outlives runTtlSeconds completes: the run is kept alive while it runs, on the producer\'s TTL', async () => {
    const h = await withWorkers('life-long', 1);
    try {
      const wf = napping('life-long', 4_000);
      const run = h.run(wf, { runId: 'long-1', runTtlSeconds: 2 });
      const meta = new RunKeys(h.prefix, 'long-1').barrier(groupKeyOf('/life-long@1')).meta;
      await waitFor(async () => (await redis.exists(meta)) === 1, { what: 'the barrier' });
      // Workers apply the producer's TTL (carried in the job), not a default of their own.
      expect(await redis.ttl(meta)).toBeLessThanOrEqual(2);
      expect((await run).output).toEqual({ a: 4_000, b: 1 });
      expect(await redis.ttl(new RunKeys(h.prefix, 'long-1').results)).toBeLessThanOrEqual(2);
    } finally {
      await h.close();
    }
  });

  test('a barrier deleted under a waiting run fails it with BarrierGoneError', async () => {
    const h = await withWorkers('life-gone', 1);
    try {
      const run = h.run(napping('life-gone', 3_000), { runId: 'gone-1' });
      const meta = new RunKeys(h.prefix, 'gone-1').barrier(groupKeyOf('/life-gone@1')).meta;
      await waitFor(async () => (await redis.exists(meta)) === 1, { what: 'the barrier' });
      await redis.del(meta);
      const err = await run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BarrierGoneError);
      expect((err as Error).message).toContain(`the barrier of parallel group 'life-gone' (run gone-1) disappeared from Redis under key prefix '${h.prefix}'`);
    } finally {
      await h.close();
    }
  });
});
