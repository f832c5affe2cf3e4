import { runInThisContext } from 'node:vm';
import { PayloadTooLargeError, UnsupportedValueError } from '@graflow/core';
import { decodeValue, encodeValue } from '@graflow/core/redis';
import { seededRandom } from '@graflow/testing';
import { checkValue } from '../src/codec/value-codec';
import { MAX_DEPTH, scanValue } from '../src/codec/value-rules';

const LIMIT = 16 * 1024 * 1024;
const roundTrip = (value: unknown): unknown => decodeValue(encodeValue(value, "result of 't'", LIMIT));

class Point {
  constructor(readonly x: number) {}
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 3 === 0 ? { v: value } : i % 3 === 1 ? [value] : new Map([['k', value]]);
  return value;
}

// The rules of codec/value-rules.ts, as a table: each kept value comes back identical (strict
// equality: classes, -0, undefined), each refused one fails with its path and what was found.
describe('the value codec', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const kept: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null, booleans, NaN, Infinity', [null, true, false, NaN, Infinity, -Infinity]],
    ['-0, alone and nested', [-0, { z: -0 }, new Map([['k', -0]]), [0, -0]]],
    ['integers and floats', [0, 1, -1, 127, 128, 2 ** 31, 2 ** 53 - 1, -(2 ** 40), 1.5, -2.25e-300]],
    ['strings, with surrogate pairs', ['', 'héllo', '😀 ok', 'x'.repeat(70_000)]],
    ['BigInt of any size', [0n, -5n, 2n ** 64n, -(2n ** 200n)]],
    ['a Date', [new Date(1_700_000_000_000), new Date(-1)]],
    ['Map with object keys, Set', [new Map<unknown, unknown>([[{ k: 1 }, 'v'], [2, new Set([1, 'a'])]])]],
    ['RegExp', /a+b/gi],
    ['Buffer and Uint8Array', [Buffer.from('hi'), new Uint8Array([1, 2]), Buffer.alloc(0)]],
    ['ArrayBuffer and DataView', [new ArrayBuffer(4), new DataView(new ArrayBuffer(2))]],
    ['undefined in arrays and objects', { list: [undefined, 1], a: undefined }],
    ['a cycle', cyclic],
    ['deep nesting up to the limit', nested(MAX_DEPTH - 1)],
  ];

  test.each(kept)('keeps %s identical', (_label, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
    expect(() => checkValue(value, "result of 't'", LIMIT)).not.toThrow();
  });

  test('keeps an invalid Date (jest cannot compare those)', () => {
    const out = roundTrip({ d: new Date(NaN) }) as { d: Date };
    expect(out.d).toBeInstanceOf(Date);
    expect(Number.isNaN(out.d.getTime())).toBe(true);
  });

  test('keeps every typed array: type, contents and -0', () => {
    // msgpackr's realm (see value-rules.ts): jest hands this file its own Float64Array, so the
    // arrays are made with the constructors of Node's main context, as an application's would be.
    const main = runInThisContext('({ Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array })') as Record<string, new (items: unknown[]) => ArrayLike<unknown>>;
    const items: Record<string, unknown[]> = { BigInt64Array: [-1n, 2n ** 62n], BigUint64Array: [2n ** 64n - 1n], Float64Array: [-0, 1.5, NaN], Float32Array: [-0, 0.5] };
    for (const [name, Type] of Object.entries(main)) {
      const value = new Type(items[name] ?? [1, 2, 3]);
      const out = roundTrip(value) as ArrayLike<unknown>;
      expect([name, out.constructor.name]).toEqual([name, name]);
      const same = Array.from(value).every((v, i) => Object.is(v, out[i]));
      expect([name, out.length, same]).toEqual([name, value.length, true]);
    }
  });

  test('refuses a typed array msgpackr would not recognise instead of flattening it', () => {
    // This file's own Float64Array is not one of msgpackr's (jest realms): encoding it would give a plain object.
    expect(() => encodeValue({ f: new Float64Array([1]) }, "result of 't'", LIMIT)).toThrow(/\$\.f is an instance of class Float64Array/);
  });

  test('keeps shared references shared', () => {
    const shared = { n: 1 };
    const out = roundTrip({ a: shared, b: [shared] }) as { a: object; b: object[] };
    expect(out.a).toBe(out.b[0]);
  });

  test('an object with a null prototype comes back as a plain object with the same fields', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(roundTrip(bare)).toEqual({ a: 1 });
  });

  // eslint-disable-next-line no-sparse-arrays
  const holey = [1, , 3];
  const refused: Array<[string, unknown, string, RegExp]> = [
    ['a function', { items: [0, 1, 2, { fn: function fn() {} }] }, '$.items[3].fn', /is a function \(fn\); functions are code/],
    ['a symbol', { s: Symbol('x') }, '$.s', /is a symbol \(Symbol\(x\)\)/],
    ['a symbol-keyed property', { o: { [Symbol('k')]: 1 } }, '$.o', /symbol-keyed/],
    ['a class instance', { at: new Point(1) }, '$.at', /is an instance of class Point/],
    ['a subclass of Map', [new (class Registry extends Map {})()], '$[0]', /class Registry/],
    ['an Error', { e: new TypeError('boom') }, '$.e', /is an Error \(TypeError\)/],
    ['a Promise', Promise.resolve(1), '$', /class Promise/],
    ['a hole', { list: holey }, '$.list[1]', /hole in a sparse array/],
    ['an unpaired surrogate', { s: 'ab\ud800' }, '$.s', /unpaired UTF-16 surrogate/],
    ['an own __proto__ key', JSON.parse('{"x": {"__proto__": {"a": 1}}}'), '$.x', /"__proto__" key/],
    ['a function in a Map value', new Map([['k', () => 1]]), '$.get("k")', /a function/],
    ['a function as a Map key', new Map([[() => 1, 'v']]), '$.keys()[0]', /a function/],
    ['a symbol in a Set', { s: new Set([1, Symbol('m')]) }, '$.s.values()[1]', /a symbol/],
    ['an odd key', { 'a b': { c: () => 1 } }, '$["a b"].c', /a function/],
    ['nesting past the limit', nested(MAX_DEPTH + 1), '$', /nested deeper than 500 levels/],
  ];

  test.each(refused)('refuses %s, naming the subject, the path and what it found, on both paths', (_label, value, path, found) => {
    for (const attempt of [() => encodeValue(value, "result of 't'", LIMIT), () => checkValue(value, "result of 't'", LIMIT)]) {
      let caught: unknown;
      try {
        attempt();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UnsupportedValueError);
      const err = caught as UnsupportedValueError;
      expect(err.name).toBe('UnsupportedValueError');
      expect(err.code).toBe('UNSUPPORTED_VALUE');
      expect(err.subject).toBe("result of 't'");
      expect(path === '$' || err.path.startsWith(path)).toBe(true);
      if (path !== '$') expect(err.path).toBe(path);
      expect(err.message).toMatch(/^result of 't' cannot be stored: \$/);
      expect(err.message).toMatch(found);
    }
  });

  test('the size limit is enforced the same way with or without encoding', () => {
    const value = { text: 'x'.repeat(5_000) };
    const exact = encodeValue(value, 'v', LIMIT).length;
    // The scan's bound is far above the exact size here, so checkValue must measure to decide.
    expect(scanValue(value, 'v').maxBytes).toBeGreaterThan(exact + 1);
    expect(() => checkValue(value, 'v', exact)).not.toThrow();
    expect(() => encodeValue(value, 'v', exact)).not.toThrow();
    for (const attempt of [() => checkValue(value, "result of 'big'", exact - 1), () => encodeValue(value, "result of 'big'", exact - 1)]) {
      expect(attempt).toThrow(PayloadTooLargeError);
      expect(attempt).toThrow(`result of 'big' is ${exact} bytes, over the configured limit maxPayloadBytes=${exact - 1}`);
    }
  });

  test('after a large value the encoder does not keep a buffer its size', () => {
    const large = encodeValue('x'.repeat(4 * 1024 * 1024), 'v', LIMIT);
    expect(large.length).toBeGreaterThan(4 * 1024 * 1024);
    // msgpackr alone would now write everything into a 16 MiB buffer, kept for good.
    expect(encodeValue({ a: 1 }, 'v', LIMIT).buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
    checkValue('y'.repeat(4 * 1024 * 1024), 'v', 1024 * 1024 * 1024);
    expect(() => checkValue('y'.repeat(200_000), 'v', 100)).toThrow(PayloadTooLargeError);
    expect(encodeValue({ b: 2 }, 'v', LIMIT).buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
  });

  test('the scan never under-estimates the encoded size (seeded random values)', () => {
    const seed = Number(process.env.GRAFLOW_TEST_SEED ?? 20240611);
    const random = seededRandom(seed);
    let worst = Infinity;
    for (let i = 0; i < 2_000; i++) {
      const value = randomValue(random, 0);
      const bound = scanValue(value, 'v').maxBytes;
      const actual = encodeValue(value, 'v', Number.MAX_SAFE_INTEGER).length;
      if (bound < actual) throw new Error(`seed ${seed}, value #${i}: bound ${bound} < actual ${actual}`);
      worst = Math.min(worst, bound / actual);
      expect(roundTrip(value)).toStrictEqual(value);
    }
    expect(worst).toBeGreaterThanOrEqual(1);
  });
});


/** Values of every kept kind, mixed and nested, with repeated shapes (msgpackr's records). */
function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 4 ? 8 : 14));
  const int = (n: number) => Math.floor(random() * n);
  const text = () => String.fromCharCode(...Array.from({ length: int(12) }, () => (random() < 0.2 ? 0x4e00 + int(500) : 0x61 + int(26))));
  switch (pick) {
    case 0: return int(2 ** 32) - 2 ** 31;
    case 1: return random() < 0.5 ? -0 : random() * 1e6;
    case 2: return text();
    case 3: return random() < 0.5 ? null : undefined;
    case 4: return BigInt(int(1e9)) ** BigInt(1 + int(4));
    case 5: return new Date(int(2e12));
    case 6: return random() < 0.5 ? Buffer.from(text()) : new Uint8Array([int(256), int(256)]);
    case 7: return random() < 0.5;
    case 8: return Array.from({ length: int(6) }, () => randomValue(random, depth + 1));
    case 9: return Object.fromEntries(Array.from({ length: int(6) }, () => [text(), randomValue(random, depth + 1)]));
    case 10: return { id: int(100), name: text(), tags: [text()], nested: randomValue(random, depth + 1) };
    case 11: return new Map(Array.from({ length: int(4) }, () => [randomValue(random, depth + 1), randomValue(random, depth + 1)]));
    case 12: return new Set(Array.from({ length: int(4) }, () => randomValue(random, depth + 1)));
    default: return new RegExp(text().replace(/[^a-z]/g, '') || 'x', random() < 0.5 ? 'g' : '');
  }
}
