import { GraflowConnectionError, NoWorkerActivityError, parallel, ParallelGroupError, task, workflow, type TaskContext } from '@graflow/core';
import { Barrier, branchJobId, groupKeyOf, DEFAULT_QUEUE, RecordCode, RunKeys } from '@graflow/core/redis';
import { sharedRedis, sleepUnlessAborted, uniquePrefix, waitFor } from '@graflow/testing';
import { Job, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { runEpoch, withWorkers } from './redis-harness';

const redis = new IORedis(sharedRedis());
afterAll(() => redis.disconnect());

const add = task('bar-add', async (ctx: TaskContext<{ n: number; ms: number }>) => {
  await sleepUnlessAborted(ctx.params.ms, ctx.signal);
  return ctx.params.n;
});

describe('the Lua BSP barrier on real Redis', () => {
  test('a 20-branch group spreads over 2 workers and counts each branch once', async () => {
    const h = await withWorkers('twenty', 2, { concurrency: 4 });
    try {
      const wf = workflow('twenty', () => parallel(...Array.from({ length: 20 }, (_, i) => add.bind({ n: i, ms: 50 }, { id: `b${i}` }))).named('twenty'));
      const { runId, output } = await h.run(wf);
      expect(Object.values(output as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(190);
      const meta = await new Barrier(redis, new RunKeys(h.prefix, runId).barrier(groupKeyOf('/twenty@1')), 60).meta();
      expect(meta).toMatchObject({ total: 20, done: 20, ok: 20, decided: 'succeeded' });
      const processed = h.workers.map((w) => w.metrics.tasksProcessed);
      expect(processed.every((p) => p > 0)).toBe(true);
      expect(processed[0]! + processed[1]!).toBe(20);
    } finally {
      await h.close();
    }
  });

  test('replaying the record script for a finished branch changes nothing', async () => {
    const h = await withWorkers('replay', 1);
    try {
      const wf = workflow('replay', () => parallel(add.bind({ n: 1, ms: 0 }, { id: 'r1' }), add.bind({ n: 2, ms: 0 }, { id: 'r2' })).named('replay'));
      const { runId } = await h.run(wf);
      const barrier = new Barrier(redis, new RunKeys(h.prefix, runId).barrier(groupKeyOf('/replay@1')), 60);
      const before = await barrier.meta();
      for (const status of ['ok', 'fail'] as const) {
        const rec = await barrier.record(0, status, Buffer.from('x'));
        expect(rec.code).toBe(RecordCode.Duplicate);
      }
      expect(await barrier.meta()).toEqual(before);
      expect(before).toMatchObject({ done: 2, ok: 2, fail: 0 });
    } finally {
      await h.close();
    }
  });

  test('5 concurrent runs of one workflow stay isolated', async () => {
    const h = await withWorkers('five', 2);
    try {
      const tagger = task('bar-tag', async (ctx: TaskContext<{ i: number }>) => {
        await ctx.channel.append('mine', `${ctx.runId}:${ctx.params.i}`);
        return `${ctx.runId}:${ctx.params.i}`;
      });
      const collect = task('bar-collect', async (ctx) => ctx.channel.get<string[]>('mine'));
      const wf = workflow('five', () => parallel(...[0, 1, 2].map((i) => tagger.bind({ i }, { id: `t${i}` }))).then(collect));
      const runs = await Promise.all(Array.from({ length: 5 }, () => h.run<string[]>(wf)));
      expect(new Set(runs.map((r) => r.runId)).size).toBe(5);
      for (const { runId, output, results } of runs) {
        expect([...output].sort()).toEqual([0, 1, 2].map((i) => `${runId}:${i}`));
        expect(results.t0).toBe(`${runId}:0`);
      }
    } finally {
      await h.close();
    }
  });

  test('two prefixes are isolated: a run sees only its own namespace\'s workers', async () => {
    const a = await withWorkers('prefix-a', 1);
    const prefixB = uniquePrefix('prefix-b');
    try {
      const wf = workflow('ns', () => parallel(add.bind({ n: 1, ms: 0 }, { id: 'n1' }), add.bind({ n: 2, ms: 0 }, { id: 'n2' })));
      await expect(a.run(wf)).resolves.toMatchObject({ output: { n1: 1, n2: 2 } });
      // No worker serves prefix B: the run says so instead of waiting forever.
      const err = await wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefixB }, noWorkerTimeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoWorkerActivityError);
      expect((err as Error).message).toContain(`key prefix '${prefixB}'`);
      // And prefix A's worker never touched prefix B's jobs.
      expect(await redis.keys(`${prefixB}:tasks:*:lock`)).toEqual([]);
      expect(a.workers[0]!.metrics.tasksProcessed).toBe(2);
    } finally {
      await a.close();
    }
  });

  test('strict early failure aborts the running sibling and removes the waiting ones', async () => {
    const h = await withWorkers('early', 1, { concurrency: 2 });
    const seen: string[] = [];
    try {
      const slow = task('bar-slow', async (ctx: TaskContext<{ i: number }>) => {
        await ctx.channel.set('slow-running', true);
        seen.push(await sleepUnlessAborted(10_000, ctx.signal));
      });
      const boom = task('bar-boom', async (ctx) => {
        await waitFor(() => ctx.channel.get('slow-running'), { timeoutMs: 5_000 });
        throw new Error('boom');
      });
      // Concurrency 2: boom and the first slow branch run; the other 8 wait in the queue.
      const wf = workflow('early', () => parallel(boom, ...Array.from({ length: 9 }, (_, i) => slow.bind({ i }, { id: `slow${i}` }))).named('early'));
      const runId = `early-${Date.now()}`;
      const err = (await h.run(wf, { runId }).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      expect(err.failed.map((f) => f.taskId)).toEqual(['bar-boom']);
      await waitFor(() => seen.includes('aborted'), { timeoutMs: 5_000, what: 'the running sibling to be aborted' });
      const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix: h.prefix });
      const groupKey = groupKeyOf('/early@1');
      const epoch = await runEpoch(redis, h.prefix, runId);
      let removed = 0;
      for (let i = 1; i <= 9; i++) if ((await Job.fromId(queue, branchJobId(runId, epoch, groupKey, i))) === undefined) removed++;
      expect(removed).toBeGreaterThanOrEqual(7);
      expect(seen.length).toBeLessThanOrEqual(2);
      await queue.close();
    } finally {
      await h.close();
    }
  });

  test('an unreachable Redis fails the run within seconds, naming host:port and the prefix', async () => {
    const wf = workflow('down', () => parallel(add.bind({ n: 1, ms: 0 }, { id: 'd1' })));
    const started = Date.now();
    const err = await wf.run({ queueBackend: 'redis', config: { host: '127.0.0.1', port: 1, keyPrefix: 'nowhere' }, connectTimeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraflowConnectionError);
    expect((err as Error).message).toMatch(/^cannot reach Redis at 127\.0\.0\.1:1 \(key prefix 'nowhere'\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
