import { parallel, task, workflow, type TaskContext } from '@graflow/core';
import { DEFAULT_QUEUE } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import type { Logger } from '@graflow/worker';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { withWorkers } from './redis-harness';

const redis = new IORedis(sharedRedis());
afterAll(() => redis.disconnect());

const double = task('broken-double', (ctx: TaskContext<{ n: number }>) => ctx.params.n * 2);

/** A logger that keeps every line, so a test can count what the worker said. */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

// A job whose stored data or options are not JSON cannot even be read by BullMQ. It used to cycle
// active -> stalled -> wait forever, the worker logging "Unexpected end of JSON input" twice a
// second without the job id. Now it fails at once with a named error that has the id, logged once.
describe('jobs BullMQ cannot parse', () => {
  test.each([
    ['data', '{"v":2,"kind":"branch"', /its data stored in Redis is not valid JSON \(.+\)$/],
    ['opts', '{"attempts":', /its options stored in Redis are not valid JSON \(.+\)$/],
    ['progress', '{', /its progress stored in Redis is not valid JSON \(.+\)$/],
  ])('a job whose %s is broken JSON fails at once as malformed, logged once with its id; real work goes on', async (field, broken, reason) => {
    const prefix = uniquePrefix(`broken-${field}`);
    const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix });
    // Stored while no worker runs, then corrupted in place (as a bug or an operator's edit would).
    const job = await queue.add('branch', { v: 2 }, { attempts: 3 });
    await redis.hset(`${prefix}:${DEFAULT_QUEUE}:${job.id}`, field, broken);
    const logger = recordingLogger();
    const h = await withWorkers(`broken-${field}`, 1, { logger, lockDurationMs: 1_000, stalledIntervalMs: 500 }, prefix);
    try {
      await waitFor(async () => (await queue.getJobState(job.id!)) === 'failed', { timeoutMs: 10_000, what: `job ${job.id} to fail` });
      const reasonText = (await redis.hget(`${prefix}:${DEFAULT_QUEUE}:${job.id}`, 'failedReason')) ?? '';
      expect(reasonText.startsWith(`MalformedJobError: job '${job.id}' has a malformed payload: `)).toBe(true);
      expect(reasonText).toMatch(reason);
      expect(await redis.hget(`${prefix}:${DEFAULT_QUEUE}:${job.id}`, 'atm')).toBe('1');

      const { results } = await h.run(workflow(`after-broken-${field}`, () => parallel(double.bind({ n: 2 }, { id: 'd2' }), double.bind({ n: 3 }, { id: 'd3' }))));
      expect(results).toEqual({ d2: 4, d3: 6 });
      const mentions = logger.lines.filter((l) => JSON.stringify(l).includes(`'${job.id}'`) || l.fields?.jobId === job.id);
      expect(mentions.map((l) => [l.level, l.msg])).toEqual([['error', 'malformed job']]);
      expect(logger.lines.filter((l) => /JSON/.test(JSON.stringify(l)) && l.fields?.jobId !== job.id)).toEqual([]);
      // The group's finalization job may still be running just after the producer was woken.
      await waitFor(async () => {
        const counts = await queue.getJobCounts('active', 'wait', 'delayed');
        return counts.active === 0 && counts.wait === 0 && counts.delayed === 0;
      }, { what: 'no job left active or waiting' });
    } finally {
      await queue.close();
      await h.close();
    }
  });
});
