import { chain, parallel, ResultNotFoundError, task, workflow } from '@graflow/core';
import type { HarnessFactory } from './harness';

export function channelScenarios(harness: HarnessFactory): void {
  describe('channel and results', () => {
    test('set, get, delete and keys', async () => {
      const write = task('ch-write', async (ctx) => {
        await ctx.channel.set('a', 1);
        await ctx.channel.set('b', { nested: [1, 2] });
        await ctx.channel.set('c', 'gone soon');
        return ctx.channel.delete('c');
      });
      const read = task('ch-read', async (ctx) => ({ a: await ctx.channel.get('a'), b: await ctx.channel.get('b'), c: await ctx.channel.get('c'), keys: await ctx.channel.keys(), missing: await ctx.channel.delete('nope') }));
      const { output, results } = await harness().run(workflow('ch', () => chain(write, read)));
      expect(results['ch-write']).toBe(true);
      expect(output).toEqual({ a: 1, b: { nested: [1, 2] }, c: undefined, keys: ['a', 'b'], missing: false });
    });

    test('append and incr from parallel branches lose no update', async () => {
      const add = task('ch-add', async (ctx) => {
        await ctx.channel.append('seen', ctx.taskId);
        return ctx.channel.incr('count', 2);
      });
      const read = task('ch-sum', async (ctx) => ({ count: await ctx.channel.get('count'), seen: ((await ctx.channel.get<string[]>('seen')) ?? []).sort() }));
      const branches = Array.from({ length: 10 }, (_, i) => add.bind(undefined, { id: `add-${i}` }));
      const { output } = await harness().run(workflow('ch-par', () => chain(parallel(...branches), read)));
      expect(output).toEqual({ count: 20, seen: branches.map((b) => b.nodeId).sort() });
    });

    test('a value written with a TTL expires', async () => {
      const write = task('ch-ttl-write', async (ctx) => ctx.channel.set('short', 'v', { ttlMs: 100 }));
      const wait = task('ch-ttl-wait', async (ctx) => {
        const deadline = Date.now() + 5_000;
        while ((await ctx.channel.get('short')) !== undefined) {
          if (Date.now() > deadline) return 'still there';
          await new Promise((r) => setTimeout(r, 20));
        }
        return { expired: true, keys: await ctx.channel.keys() };
      });
      const { output } = await harness().run(workflow('ttl', () => chain(write, wait)));
      expect(output).toEqual({ expired: true, keys: [] });
    });

    test('Date, Map, Set, Buffer and BigInt round-trip through results and the channel', async () => {
      const make = task('ch-types', async (ctx) => {
        const value = { when: new Date(1_700_000_000_000), map: new Map([['k', 1]]), set: new Set([1, 2]), buf: Buffer.from('hi'), big: 2n ** 70n };
        await ctx.channel.set('typed', value);
        return value;
      });
      const check = task('ch-types-check', async (ctx) => {
        const r = await ctx.getResult(make);
        const c = await ctx.channel.get<typeof r>('typed');
        return [r, c].map((v) => [v!.when instanceof Date, v!.map instanceof Map, v!.set instanceof Set, Buffer.isBuffer(v!.buf) || (v!.buf as unknown) instanceof Uint8Array, typeof v!.big]);
      });
      const { output, results } = await harness().run(workflow('types', () => chain(parallel(make, task('ch-peer', () => 0)), check)));
      expect(output).toEqual([[true, true, true, true, 'bigint'], [true, true, true, true, 'bigint']]);
      expect((results['ch-types'] as { big: bigint }).big).toBe(2n ** 70n);
    });

    test('getResult of a node with no result throws ResultNotFoundError', async () => {
      const ask = task('ch-ask', async (ctx) => ctx.getResult('nobody'));
      const err = await harness().run(workflow('noresult', () => ask)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResultNotFoundError);
      expect((err as Error).message).toContain("no result recorded for node 'nobody'");
    });

    test('numbers keep their value through set, get and incr; incr refuses a non-number', async () => {
      const numbers = task('ch-numbers', async (ctx) => {
        const values = [0, 1, 49, 57, -3, 127, 128, 70000, 2.5];
        for (const [i, v] of values.entries()) await ctx.channel.set(`n${i}`, v);
        const read = await Promise.all(values.map((_, i) => ctx.channel.get(`n${i}`)));
        await ctx.channel.set('counter', 49);
        const bumped = await ctx.channel.incr('counter', 2);
        const fresh = await ctx.channel.incr('fresh', -4);
        await ctx.channel.set('word', 'seven');
        const refused = await ctx.channel.incr('word').then(() => 'accepted', (e: Error) => e.message);
        return { read, bumped, counter: await ctx.channel.get('counter'), fresh, refused };
      });
      const { output } = await harness().run(workflow('numbers', () => chain(parallel(numbers, task('ch-num-peer', () => 0)))));
      expect(output).toEqual({
        'ch-numbers': {
          read: [0, 1, 49, 57, -3, 127, 128, 70000, 2.5],
          bumped: 51,
          counter: 51,
          fresh: -4,
          refused: "channel value 'word' is not a number; incr needs a number or a missing key",
        },
        'ch-num-peer': 0,
      });
    });
  });
}
