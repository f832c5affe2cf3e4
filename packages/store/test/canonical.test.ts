import { createHash } from 'node:crypto';
import { decodeCanonical, encodeCanonical, hashOf, isGraphHash, UnsupportedValueError } from '../src';
import { sampleGraph } from './helpers';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('canonical encoding', () => {
  it('gives identical bytes whatever order the keys were inserted in', () => {
    const a = sampleGraph(1, false);
    const b = sampleGraph(1, true);
    expect(Object.keys(a)).not.toEqual(Object.keys(b));
    expect(hex(encodeCanonical(a))).toBe(hex(encodeCanonical(b)));
    expect(hashOf(a)).toBe(hashOf(b));
  });

  it('sorts integer-like keys with the others instead of JS object order', () => {
    // A JS object always iterates "10" and "2" before "a"; canonical order must not depend on that.
    const bytes = hex(encodeCanonical({ a: 1, 10: 2, 2: 3 }));
    const expected = hex(Buffer.from([0x83, 0xa2, 0x31, 0x30, 0x02, 0xa1, 0x32, 0x03, 0xa1, 0x61, 0x01]));
    expect(bytes).toBe(expected);
  });

  it('round-trips nested objects, arrays, numbers, null, strings, Dates, BigInt and bytes', () => {
    const value = {
      nested: { deeper: { list: [1, [2, [3, { x: 'y' }]]] } },
      ints: [0, 1, 127, 128, 65_535, 2 ** 32 - 1, -1, -32, -33, -129, -(2 ** 31)],
      floats: [0.1, -2.5, 1e300, Number.MAX_SAFE_INTEGER, -(2 ** 40)],
      nothing: null,
      text: ['', 'héllo', 'x'.repeat(300)],
      flag: false,
      when: new Date('2024-05-06T07:08:09.123Z'),
      big: 2n ** 60n,
      bytes: Buffer.from([1, 2, 3]),
    };
    const decoded = decodeCanonical(encodeCanonical(value));
    expect(decoded).toEqual(value);
    expect(hashOf(decoded)).toBe(hashOf(value)); // decode(encode(v)) is a fixpoint
  });

  it('loads byte strings as Buffers, whatever holds the encoded bytes', () => {
    const encoded = encodeCanonical({ bytes: new Uint8Array([1, 2]) });
    // fflate hands the store plain Uint8Arrays; msgpackr alone would return Uint8Array views of them.
    for (const source of [Buffer.from(encoded), new Uint8Array(encoded)]) {
      const { bytes } = decodeCanonical(source) as { bytes: Uint8Array };
      expect(Buffer.isBuffer(bytes)).toBe(true);
      expect([...bytes]).toEqual([1, 2]);
    }
  });

  it('does not keep a buffer the size of the largest value it encoded', () => {
    expect(encodeCanonical({ text: 'x'.repeat(4 * 1024 * 1024) }).length).toBeGreaterThan(4 * 1024 * 1024);
    // msgpackr alone would now write every later value into a 16 MiB buffer, kept for good.
    expect(encodeCanonical({ a: 1 }).buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
  });

  it('uses the smallest int for integers and float64 for non-integers', () => {
    expect(hex(encodeCanonical(5))).toBe('05');
    expect(hex(encodeCanonical(-5))).toBe('fb');
    expect(hex(encodeCanonical(300))).toBe('cd012c');
    expect(hex(encodeCanonical(-300))).toBe('d1fed4');
    expect(hex(encodeCanonical(1.5))).toBe('cb3ff8000000000000'); // never float32
    expect(hex(encodeCanonical(-0))).toBe('00');
    expect(hex(encodeCanonical(2 ** 40))).toBe('cb4270000000000000'); // exact, and loads as a number
  });

  it('drops undefined properties and turns undefined array items and holes into null', () => {
    // eslint-disable-next-line no-sparse-arrays
    const withUndefined = { a: 1, b: undefined, list: [undefined, , 2] };
    expect(hex(encodeCanonical(withUndefined))).toBe(hex(encodeCanonical({ a: 1, list: [null, null, 2] })));
  });

  it('distinguishes values that differ', () => {
    expect(hashOf({ a: 1 })).not.toBe(hashOf({ a: 1.5 }));
    expect(hashOf({ a: '1' })).not.toBe(hashOf({ a: 1 }));
    expect(hashOf([1, 2])).not.toBe(hashOf([2, 1]));
  });

  it('hashes the canonical bytes with sha256 hex', () => {
    const value = sampleGraph(3);
    const expected = createHash('sha256').update(encodeCanonical(value)).digest('hex');
    expect(hashOf(value)).toBe(expected);
    expect(isGraphHash(expected)).toBe(true);
    expect(isGraphHash(expected.toUpperCase())).toBe(false);
  });

  it.each([
    ['a Map', { params: { lookup: new Map([['k', 1]]) } }, '$.params.lookup', /Map is not a plain object/],
    ['a Set', { s: [new Set([1])] }, '$.s[0]', /Set is not a plain object/],
    ['a class instance', { when: new (class Custom {})() }, '$.when', /Custom/],
    ['a function', { fn: () => 1 }, '$.fn', /function is not data/],
    ['a symbol', { s: Symbol('x') }, '$.s', /symbol/],
    ['an invalid Date', { d: new Date(NaN) }, '$.d', /invalid Date/],
    ['a BigInt past 64 bits', { n: 2n ** 70n }, '$.n', /64-bit/],
    ['a "__proto__" key', JSON.parse('{"x": {"__proto__": 1}}'), '$.x', /__proto__/],
    ['undefined', undefined, '$', /undefined/],
  ])('refuses %s with an error naming its path', (_label, value, path, detail) => {
    let caught: unknown;
    try {
      encodeCanonical(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnsupportedValueError);
    expect((caught as UnsupportedValueError).path).toBe(path);
    expect((caught as Error).message).toMatch(detail);
  });

  it('refuses cycles but accepts shared (acyclic) references', () => {
    const shared = { k: 1 };
    expect(decodeCanonical(encodeCanonical({ a: shared, b: shared }))).toEqual({ a: { k: 1 }, b: { k: 1 } });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = { back: cyclic };
    expect(() => encodeCanonical(cyclic)).toThrow(/\$\.self\.back: circular reference/);
  });
});
