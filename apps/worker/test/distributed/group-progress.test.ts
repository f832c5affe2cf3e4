import { Barrier, RunKeys } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import IORedis from 'ioredis';

/**
 * A run with events keeps its group job's BullMQ progress (what Bull Board shows), written by
 * the record script in the same step as the count. Written by each worker after its reply, two
 * workers' writes could land out of order and leave an ended group at "1 of 2 done".
 */
describe("a group job's progress", () => {
  const redis = new IORedis(sharedRedis());
  const other = new IORedis(sharedRedis());
  afterAll(() => {
    redis.disconnect();
    other.disconnect();
  });

  /** A barrier of `total` branches whose run has events on (or not), and its group job's key. */
  async function barrier(total: number, opts: { events: boolean; jobExists: boolean; withJob?: boolean }) {
    const prefix = uniquePrefix('group-progress');
    const keys = new RunKeys(prefix, 'run-1').barrier('gk');
    const jobKey = `${prefix}:tasks:run-1-e-gk`;
    if (opts.withJob !== false) keys.groupJob = jobKey;
    if (opts.jobExists) await redis.hset(jobKey, 'name', 'group g', 'progress', '0');
    const events = opts.events ? `${prefix}:run:run-1:notify` : '';
    const make = (client: IORedis) => new Barrier(client, keys, 60, undefined, events);
    await make(redis).init(total, 'strict', Array.from({ length: total }, (_, i) => `m${i}`), 'g');
    return { keys, jobKey, fromA: make(redis), fromB: make(other) };
  }

  const progressOf = async (jobKey: string) => JSON.parse((await redis.hget(jobKey, 'progress')) ?? 'null') as unknown;

  test('follows every counted outcome and ends at done = total, whichever worker records last', async () => {
    const { jobKey, fromA, fromB } = await barrier(6, { events: true, jobExists: true });
    await fromA.record(0, 'ok', Buffer.from('a'));
    expect(await progressOf(jobKey)).toEqual({ done: 1, total: 6 });
    // Two workers at once, on two connections. All succeed: a failure among them would decide the
    // group at whatever point it landed, and later outcomes are late (see the next test).
    await Promise.all([1, 2, 3, 4, 5].map((i) => (i % 2 ? fromA : fromB).record(i, 'ok', Buffer.from('x'))));
    expect(await progressOf(jobKey)).toEqual({ done: 6, total: 6 });
    // A duplicate changes nothing.
    await fromB.record(3, 'ok', Buffer.from('again'));
    expect(await progressOf(jobKey)).toEqual({ done: 6, total: 6 });
  });

  test('a late outcome (after the decision) does not move it', async () => {
    const { jobKey, fromA } = await barrier(3, { events: true, jobExists: true });
    await fromA.record(0, 'fail', Buffer.from('boom'));
    expect(await progressOf(jobKey)).toEqual({ done: 1, total: 3 });
    await fromA.record(1, 'ok', Buffer.from('late'));
    expect(await progressOf(jobKey)).toEqual({ done: 1, total: 3 });
  });

  test('nothing is written for a run without events, to a job that is gone, or without a job', async () => {
    const quiet = await barrier(2, { events: false, jobExists: true });
    await quiet.fromA.record(0, 'ok', Buffer.from('a'));
    expect(await progressOf(quiet.jobKey)).toBe(0);

    const gone = await barrier(2, { events: true, jobExists: false });
    await gone.fromA.record(0, 'ok', Buffer.from('a'));
    expect(await redis.exists(gone.jobKey)).toBe(0);

    const none = await barrier(2, { events: true, jobExists: false, withJob: false });
    await none.fromA.record(0, 'ok', Buffer.from('a'));
    expect(await redis.hget(none.keys.meta, 'progress')).toBeNull();
  });
});
