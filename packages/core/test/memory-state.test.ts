import { PayloadTooLargeError, UnsupportedValueError } from '@graflow/core';
import { MemoryChannel, MemoryRunState } from '../src/channels/memory-channel';

// The in-process state applies the Redis backend's rules: the same codec, the same limit, and the
// same copy semantics for the channel (each write and each read is its own copy).
describe('in-process run state', () => {
  test('a channel value is a copy: later changes to the written object or to a read one change nothing', async () => {
    const channel = new MemoryChannel();
    const written = { n: 1, list: [1] };
    await channel.set('k', written);
    written.n = 2;
    const first = await channel.get<typeof written>('k');
    first!.list.push(2);
    expect(await channel.get('k')).toEqual({ n: 1, list: [1] });
    await channel.append('log', written);
    const log = await channel.get<Array<typeof written>>('log');
    log!.push(written);
    expect(await channel.get('log')).toEqual([{ n: 2, list: [1] }]);
  });

  test('a channel value keeps -0, Map and BigInt, and refuses a function with its key and path', async () => {
    const channel = new MemoryChannel();
    await channel.set('typed', { z: -0, m: new Map([[1n, 'big']]) });
    const back = await channel.get<{ z: number; m: Map<bigint, string> }>('typed');
    expect(Object.is(back!.z, -0)).toBe(true);
    expect(back!.m.get(1n)).toBe('big');
    const err = await channel.set('bad', { deep: [{ fn: () => 1 }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedValueError);
    expect((err as Error).message).toBe("channel value 'bad' cannot be stored: $.deep[0].fn is a function (fn); functions are code, not data");
    expect(await channel.keys()).toEqual(['typed']);
  });

  test('channel writes and results over maxPayloadBytes fail with the limit named', async () => {
    const state = new MemoryRunState({ maxPayloadBytes: 100 });
    await expect(state.channel.set('big', 'x'.repeat(200))).rejects.toThrow(
      new PayloadTooLargeError("channel value 'big'", 202, 100),
    );
    await expect(state.channel.append('big', 'x'.repeat(200))).rejects.toThrow(PayloadTooLargeError);
    await expect(state.setResult('t', 'x'.repeat(200))).rejects.toThrow("result of 't' is 202 bytes, over the configured limit maxPayloadBytes=100");
    await state.setResult('ok', 'x'.repeat(90));
    expect(await state.results()).toEqual({ ok: 'x'.repeat(90) });
  });

  test('a result is refused by the same rules, and kept as the returned object when accepted', async () => {
    const state = new MemoryRunState();
    const value = { when: new Date(0) };
    await state.setResult('t', value);
    expect((await state.getResult('t')).value).toBe(value);
    await expect(state.setResult('u', { at: new (class Point {})() })).rejects.toThrow(
      "result of 'u' cannot be stored: $.at is an instance of class Point",
    );
    expect((await state.getResult('u')).found).toBe(false);
  });

  test('append on a set value and incr on a list or a non-number fail as on Redis; incr needs a finite step', async () => {
    const channel = new MemoryChannel();
    await channel.set('plain', [1, 2]);
    await expect(channel.append('plain', 3)).rejects.toThrow("channel value 'plain' is not a list; append needs a list made by append or a missing key");
    await channel.append('list', 1);
    await expect(channel.incr('list')).rejects.toThrow("channel value 'list' is not a number");
    await channel.set('word', 'seven');
    await expect(channel.incr('word')).rejects.toThrow("channel value 'word' is not a number");
    await expect(channel.incr('n', Number.NaN)).rejects.toThrow("channel incr('n', by): by must be a finite number, got NaN");
    await expect(channel.incr('n', '2' as unknown as number)).rejects.toThrow('got string');
    expect(await channel.incr('n', 2.5)).toBe(2.5);
    await channel.set('neg', -0);
    expect(Object.is(await channel.incr('neg', 0), 0)).toBe(true);
  });
});
