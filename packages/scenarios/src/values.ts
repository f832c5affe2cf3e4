import { chain, parallel, ParallelGroupError, task, workflow, type TaskContext } from '@graflow/core';
import type { HarnessFactory } from './harness';

/** A value that crosses a branch boundary, and what must come of it on every backend. */
interface ValueRow {
  label: string;
  make(): unknown;
  /** Kept: the value read back equals a fresh `make()` (strictly: classes, -0, undefined). */
  kept?: true;
  /** Refused: the path and what was found (UnsupportedValueError), or a size (PayloadTooLargeError). */
  refused?: { name: 'UnsupportedValueError' | 'PayloadTooLargeError'; detail: string };
}

class Point {
  constructor(readonly x: number) {}
}

const MiB = 1024 * 1024;

const ROWS: ValueRow[] = [
  { label: 'date', make: () => ({ at: new Date(1_700_000_000_123) }), kept: true },
  { label: 'map', make: () => new Map<unknown, unknown>([['a', 1], [2, { b: [3] }]]), kept: true },
  { label: 'set', make: () => new Set(['x', 1, 2n]), kept: true },
  { label: 'bigint', make: () => ({ small: 1n, huge: -(2n ** 100n) }), kept: true },
  { label: 'buffer', make: () => ({ bytes: Buffer.from('héllo'), u8: new Uint8Array([0, 255]) }), kept: true },
  { label: 'nested', make: () => ({ a: [{ b: new Map([['c', new Set([new Date(0), null, undefined])]]) }], re: /x+/g }), kept: true },
  {
    label: 'circular',
    make: () => {
      const node: Record<string, unknown> = { name: 'loop', list: [] };
      (node.list as unknown[]).push(node);
      node.self = node;
      return node;
    },
    kept: true,
  },
  { label: 'negzero', make: () => ({ z: -0, list: [0, -0], m: new Map([['k', -0]]) }), kept: true },
  // eslint-disable-next-line no-sparse-arrays
  { label: 'holes', make: () => ({ list: [1, , 3] }), refused: { name: 'UnsupportedValueError', detail: '$.list[1] is a hole in a sparse array' } },
  { label: 'function', make: () => ({ items: [0, { fn: function fn() {} }] }), refused: { name: 'UnsupportedValueError', detail: '$.items[1].fn is a function (fn)' } },
  { label: 'class', make: () => ({ at: new Point(1) }), refused: { name: 'UnsupportedValueError', detail: '$.at is an instance of class Point' } },
  { label: 'symbol', make: () => ({ s: Symbol('s') }), refused: { name: 'UnsupportedValueError', detail: '$.s is a symbol (Symbol(s))' } },
  { label: 'huge', make: () => 'x'.repeat(20 * MiB), refused: { name: 'PayloadTooLargeError', detail: `is ${20 * MiB + 5} bytes, over the configured limit maxPayloadBytes=${16 * MiB}` } },
];

const cyclic: Record<string, unknown> = { code: 'E_LOOP' };
cyclic.self = cyclic;

/** Non-Errors a task may throw, and the message both backends must report for each. */
const THROWN: Array<[string, unknown, string]> = [
  ['string', 'boom', 'boom'],
  ['undefined', undefined, 'a non-Error value was thrown: undefined'],
  ['cycle', cyclic, "a non-Error value was thrown: <ref *1> { code: 'E_LOOP', self: [Circular *1] }"],
  ['bigint', 12n, 'a non-Error value was thrown: 12n'],
];

async function failureOf(run: Promise<unknown>): Promise<Error> {
  const err = await run.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ParallelGroupError);
  const group = err as ParallelGroupError;
  expect(group.failed).toHaveLength(1);
  return group.failed[0]!.error;
}

/** The same value table on every backend: kept identically, or refused with the same named error. */
export function valueScenarios(harness: HarnessFactory): void {
  describe('values crossing a branch', () => {
    test.each(ROWS.map((row) => [row.label, row] as const))('%s as a branch result, read back by a later task', async (label, row) => {
      const make = task(`val-${label}`, () => row.make());
      const read = task(`val-read-${label}`, async (ctx) => ctx.getResult(make));
      const run = harness().run(workflow(`values-${label}`, () => chain(parallel(make, task(`val-peer-${label}`, () => 0)), read)));
      if (row.kept) {
        const { output, results } = await run;
        expect(output).toStrictEqual(row.make());
        expect(results[`val-${label}`]).toStrictEqual(row.make());
        return;
      }
      const error = await failureOf(run);
      expect([error.name, (error as Error & { code?: string }).code]).toEqual([row.refused!.name, row.refused!.name === 'UnsupportedValueError' ? 'UNSUPPORTED_VALUE' : 'PAYLOAD_TOO_LARGE']);
      expect(error.message).toContain(`'val-${label}'`);
      expect(error.message).toContain(row.refused!.detail);
    });

    test.each(ROWS.map((row) => [row.label, row] as const))('%s as a channel value written in a branch', async (label, row) => {
      const put = task(`val-put-${label}`, async (ctx) => {
        await ctx.channel.set('v', row.make());
        return 'written';
      });
      const get = task(`val-get-${label}`, async (ctx) => ctx.channel.get('v'));
      const run = harness().run(workflow(`channel-values-${label}`, () => chain(parallel(put, task(`val-cpeer-${label}`, () => 0)), get)));
      if (row.kept) {
        expect((await run).output).toStrictEqual(row.make());
        return;
      }
      const error = await failureOf(run);
      expect(error.name).toBe(row.refused!.name);
      // The channel names its key the same way on both backends, so the whole message is the same.
      const expected = row.refused!.name === 'UnsupportedValueError' ? `channel value 'v' cannot be stored: ${row.refused!.detail}; ` : `channel value 'v' ${row.refused!.detail}`;
      expect(error.message.startsWith(expected)).toBe(true);
    });

    test('bound params reach the task as the graph holds them', async () => {
      const echo = task('val-params', (ctx: TaskContext<unknown>) => ctx.params);
      const params = { when: new Date(0), n: 5n, bytes: Buffer.from('p'), list: [1, undefined], gone: undefined, z: -0 };
      const { results } = await harness().run(workflow('values-params', () => parallel(echo.bind(params, { id: 'vp' }), task('val-params-peer', () => 0))));
      expect(results.vp).toStrictEqual({ when: new Date(0), n: 5n, bytes: Buffer.from('p'), list: [1, null], z: 0 });
    });

    test.each(THROWN)('a task that throws a non-Error (%s) reports what it threw', async (label, thrown, message) => {
      const bad = task(`val-throw-${label}`, () => {
        throw thrown;
      });
      const error = await failureOf(harness().run(workflow(`throws-${label}`, () => parallel(bad, task(`val-tpeer-${label}`, () => 0)))));
      expect([error.name, error.message]).toEqual(['Error', message]);
    });
  });
}
