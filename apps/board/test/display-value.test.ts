import { toDisplayValue } from '../src/display-value';

const small = { depth: 3, items: 3, stringChars: 5, totalChars: 400 };

describe('toDisplayValue', () => {
  // Decoding real worker values (Date, BigInt, Map through msgpack) is covered in server.test.ts.
  it("shows the structured-clone types core's codec carries instead of {} or a throw", () => {
    const value = {
      at: new Date('2024-05-06T07:08:09.000Z'),
      big: 12345678901234567890n,
      map: new Map<unknown, unknown>([['a', 1], [2, 'b']]),
      set: new Set(['x', 'y']),
      buf: Buffer.from([1, 2, 255]),
      err: new TypeError('bad input'),
      nan: NaN,
      inf: -Infinity,
      nothing: undefined,
      re: /ab+c/gi,
    };
    expect(toDisplayValue(value)).toEqual({
      truncated: false,
      value: {
        at: '2024-05-06T07:08:09.000Z',
        big: '12345678901234567890n',
        map: { '[Map]': [['a', 1], [2, 'b']] },
        set: { '[Set]': ['x', 'y'] },
        buf: '<Buffer 3 bytes: 01 02 ff>',
        err: { '[Error]': 'TypeError: bad input' },
        nan: 'NaN',
        inf: '-Infinity',
        nothing: null,
        re: '/ab+c/gi',
      },
    });
  });

  it('cuts long strings, long lists, wide objects and deep nesting, and says so', () => {
    expect(toDisplayValue('abcdefgh', small)).toEqual({ value: 'abcde… (3 more characters)', truncated: true });
    expect(toDisplayValue([1, 2, 3, 4, 5], small)).toEqual({ value: [1, 2, 3, '… 2 more items'], truncated: true });
    expect(toDisplayValue({ a: 1, b: 2, c: 3, d: 4 }, small)).toEqual({ value: { a: 1, b: 2, c: 3, '…': '1 more keys' }, truncated: true });
    expect(toDisplayValue({ a: { b: { c: { d: 1 } } } }, small)).toEqual({ value: { a: { b: { c: '[…]' } } }, truncated: true });
    expect(toDisplayValue([1, 2], small)).toEqual({ value: [1, 2], truncated: false });
  });

  it('bounds the whole JSON', () => {
    const wide = Array.from({ length: 3 }, () => 'y'.repeat(5));
    const { value, truncated } = toDisplayValue([wide, wide, wide], { ...small, totalChars: 20 });
    expect(truncated).toBe(true);
    expect(value).toBe(`${JSON.stringify([wide, wide, wide]).slice(0, 20)}… (${JSON.stringify([wide, wide, wide]).length - 20} more characters of JSON)`);
  });

  it('marks cycles instead of recursing, and shares no state between calls', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const shared = { x: 1 };
    expect(toDisplayValue(a).value).toEqual({ name: 'a', self: '[Circular]' });
    expect(toDisplayValue([shared, shared]).value).toEqual([{ x: 1 }, { x: 1 }]);
  });
});
