import { graphKey } from '@graflow/store';
import { parallel, ParallelGroupError, PayloadTooLargeError, task, unregisterTask, workflow, chain, type TaskContext } from '@graflow/core';
import { DEFAULT_QUEUE } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { withWorkers } from './redis-harness';

const redis = new IORedis(sharedRedis());
afterAll(() => redis.disconnect());

const echo = task('bad-echo', (ctx: TaskContext<{ size: number }>) => 'x'.repeat(ctx.params.size));

// BRIEF §8: each bad input gets one clear error and loses nothing.
describe('bad input on the distributed path', () => {
  test('a malformed job payload fails that job at once, with a message naming the field', async () => {
    const h = await withWorkers('malformed', 1);
    const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix: h.prefix });
    try {
      const job = await queue.add('branch', { v: 2, kind: 'branch', runId: 'r' }, { attempts: 3 });
      await waitFor(async () => (await job.getState()) === 'failed', { timeoutMs: 5_000, what: 'the malformed job to fail' });
      const failed = await queue.getJob(job.id!);
      expect(failed!.failedReason).toBe(`MalformedJobError: job '${job.id}' has a malformed payload: field 'epoch' must be a non-empty string`);
      expect(failed!.attemptsMade).toBe(1);
      const odd = await queue.add('surprise', { v: 2, kind: 'surprise' });
      await waitFor(async () => (await odd.getState()) === 'failed', { timeoutMs: 5_000 });
      expect((await queue.getJob(odd.id!))!.failedReason).toContain('unknown job kind "surprise"');
      const old = await queue.add('branch', { v: 1, runId: 'r' });
      await waitFor(async () => (await old.getState()) === 'failed', { timeoutMs: 5_000 });
      expect((await queue.getJob(old.id!))!.failedReason).toContain('unsupported payload version 1 (expected 2)');
    } finally {
      await queue.close();
      await h.close();
    }
  });

  test('an oversized value is refused with the producer\'s limit named, on the producer and on workers', async () => {
    const h = await withWorkers('oversize', 1);
    try {
      const local = workflow('big-local', () => chain(echo.bind({ size: 2_000 }, { id: 'big' })));
      const err = await h.run(local, { maxPayloadBytes: 1_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PayloadTooLargeError);
      expect((err as Error).message).toMatch(/^result of 'big' is 20\d\d bytes, over the configured limit maxPayloadBytes=1000$/);

      const remote = workflow('big-remote', () => parallel(echo.bind({ size: 10 }, { id: 'small' }), echo.bind({ size: 5_000 }, { id: 'huge' })));
      // Workers apply the limit the run carries in its jobs, not a default of their own.
      const group = (await h.run(remote, { maxPayloadBytes: 1_000 }).catch((e: unknown) => e)) as ParallelGroupError;
      expect(group).toBeInstanceOf(ParallelGroupError);
      expect(group.failed.map((f) => [f.taskId, f.error.name])).toEqual([['huge', 'PayloadTooLargeError']]);
      expect(group.failed[0]!.error.message).toContain('maxPayloadBytes=1000');
    } finally {
      await h.close();
    }
  });

  test('a graph missing from the store fails the group visibly, naming the hash', async () => {
    const prefix = uniquePrefix('nograph');
    const wf = workflow('nograph', () => parallel(echo.bind({ size: 1 }, { id: 'e1' }), echo.bind({ size: 2 }, { id: 'e2' })));
    // No worker yet: the flow waits in the queue while the graph blob disappears.
    const run = wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix } }).catch((e: unknown) => e);
    const key = await waitFor(async () => (await redis.keys(`${prefix}:graph:*`))[0], { timeoutMs: 5_000, what: 'the graph upload' });
    await waitFor(async () => (await redis.keys(`${prefix}:run:*:group:*:meta`)).length > 0, { timeoutMs: 5_000 });
    await redis.del(key);
    const h = await withWorkers('nograph', 1, {}, prefix);
    try {
      const err = (await run) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      const hash = key.slice(key.lastIndexOf(':') + 1);
      expect(graphKey(prefix, hash)).toBe(key);
      for (const f of err.failed) expect(f.error.message).toContain(hash);
      // Strict decides at the first failure; the other branch's failure arrives late.
      expect(err.failed).toHaveLength(1);
      expect(['e1', 'e2']).toContain(err.failed[0]!.taskId);
      expect(err.failed[0]!.error.name).toBe('GraphNotFoundError');
    } finally {
      await h.close();
    }
  });

  test('a task the worker has not registered fails with UnknownTaskError naming it and the loaded modules', async () => {
    const ghost = task('bad-ghost', () => 'boo');
    const wf = workflow('ghost', () => parallel(ghost, echo.bind({ size: 1 }, { id: 'fine' })));
    unregisterTask('bad-ghost'); // the graph still names it; no process here can run it now
    const h = await withWorkers('ghost', 1, { taskModules: ['./dist/tasks.js'] });
    try {
      const err = (await h.run(wf).catch((e: unknown) => e)) as ParallelGroupError;
      expect(err).toBeInstanceOf(ParallelGroupError);
      const cause = err.failed[0]!.error;
      expect(cause.name).toBe('UnknownTaskError');
      expect(cause.message).toMatch(/^task 'bad-ghost' is not registered in this process; task modules loaded: \.\/dist\/tasks\.js; registered tasks: .*bad-echo/);
    } finally {
      await h.close();
    }
  });
});
