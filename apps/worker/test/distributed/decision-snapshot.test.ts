import { Barrier, parseDecisionSnapshot, RunKeys } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';

/**
 * A small group's deciding record sends its waiter what it would read next (meta, outcomes and
 * the run's control flags) with the wake-up, so the producer skips a round trip at the moment
 * Redis is busiest (the group's parent job runs then). The message must say exactly what a read
 * would, and a group too large for a message must still wake its waiter.
 */
describe('the snapshot sent with a decision', () => {
  const redis = new IORedis(sharedRedis());
  const subscriber = new IORedis(sharedRedis());
  const messages: Buffer[] = [];
  const channel = `${uniquePrefix('decision-snapshot')}:wake`;

  beforeAll(async () => {
    subscriber.on('messageBuffer', (c: Buffer, m: Buffer) => {
      if (c.toString() === channel) messages.push(m);
    });
    await subscriber.subscribe(channel);
  });
  afterAll(() => {
    redis.disconnect();
    subscriber.disconnect();
  });

  /** A barrier of `total` branches of a fresh run, waited on through `channel`. */
  async function barrier(total: number, policy: 'strict' | 'best_effort' = 'strict') {
    const keys = new RunKeys(uniquePrefix('snap'), 'run-1');
    const b = new Barrier(redis, keys.barrier('gk'), 60, { channel, message: 'run-1/gk' });
    await b.init(total, policy, Array.from({ length: total }, (_, i) => `m${i}`), 'grp');
    return { b, keys };
  }

  /** The next message on the channel, split at its first two newlines. */
  async function nextMessage(): Promise<{ key: string; decision: string; rest?: Buffer }> {
    await waitFor(() => messages.length > 0, { timeoutMs: 2_000, what: 'a wake-up message' });
    const m = messages.shift()!;
    const first = m.indexOf(10);
    const second = m.indexOf(10, first + 1);
    return {
      key: m.toString('utf8', 0, first),
      decision: m.toString('utf8', first + 1, second < 0 ? m.length : second),
      ...(second < 0 ? {} : { rest: m.subarray(second + 1) }),
    };
  }

  test('it is what a read right after the decision gives: meta, every outcome (binary intact), control flags', async () => {
    const { b, keys } = await barrier(3);
    await redis.hset(keys.control, 'kind', 'terminated', 'reason', 'enough');
    const payloads = [Buffer.from([0xc4, 0x02, 0xff, 0x00]), Buffer.from('\n:5:\r\n'), Buffer.alloc(0)];
    for (let i = 0; i < 3; i++) await b.record(i, 'ok', payloads[i]!, `m${i}`);
    const { key, decision, rest } = await nextMessage();
    expect({ key, decision }).toEqual({ key: 'run-1/gk', decision: 'succeeded' });
    const sent = parseDecisionSnapshot(rest!);
    const read = await b.snapshot(keys.control);
    expect(sent).toEqual(read);
    expect(sent!.outcomes.get(1)!.payload).toEqual(payloads[1]);
    expect(sent!.also).toEqual({ kind: 'terminated', reason: 'enough' });
    expect(messages).toHaveLength(0);
  });

  test('a failure decided early carries it too, and outcomes after the decision send nothing', async () => {
    const { b, keys } = await barrier(3);
    await b.record(0, 'ok', Buffer.from([1]));
    await b.record(1, 'fail', Buffer.from('boom'));
    const { decision, rest } = await nextMessage();
    expect(decision).toBe('failed');
    const sent = parseDecisionSnapshot(rest!)!;
    expect(sent.meta).toMatchObject({ total: 3, done: 2, ok: 1, fail: 1, decided: 'failed' });
    expect([...sent.outcomes.keys()].sort()).toEqual([0, 1]);
    expect(sent).toEqual(await b.snapshot(keys.control));
    await b.record(2, 'ok', Buffer.from([2]));
    await new Promise<void>((resolve) => setImmediate(resolve));
    await redis.ping(); // the subscriber has seen anything published before this reply
    await subscriber.ping();
    expect(messages).toHaveLength(0);
  });

  test('a group over 64 branches, or whose snapshot passes 16 KiB, is woken with its key and decision only', async () => {
    const big = await barrier(65, 'best_effort');
    for (let i = 0; i < 65; i++) await big.b.record(i, 'ok', Buffer.from([i]));
    expect(await nextMessage()).toEqual({ key: 'run-1/gk', decision: 'succeeded' });
    const heavy = await barrier(2);
    await heavy.b.record(0, 'ok', Buffer.alloc(10 * 1024, 1));
    await heavy.b.record(1, 'ok', Buffer.alloc(10 * 1024, 2));
    expect(await nextMessage()).toEqual({ key: 'run-1/gk', decision: 'succeeded' });
  });

  test('a snapshot cut short, of another version or with trailing bytes is not used', async () => {
    const { b } = await barrier(2);
    await b.record(0, 'ok', Buffer.from([7, 7]));
    await b.record(1, 'ok', Buffer.from([8]));
    const { rest } = await nextMessage();
    expect(parseDecisionSnapshot(rest!)).toBeDefined();
    for (let length = 0; length < rest!.length; length++) expect(parseDecisionSnapshot(rest!.subarray(0, length))).toBeUndefined();
    expect(parseDecisionSnapshot(Buffer.concat([rest!, Buffer.from('x')]))).toBeUndefined();
    expect(parseDecisionSnapshot(Buffer.concat([Buffer.from('S2'), rest!.subarray(2)]))).toBeUndefined();
  });
});
