import { inspect } from 'node:util';
import { describeThrown, errorMessage } from '../src/errors';
import { errorSummary } from '../src/distributed/outcomes';

const cyclic: Record<string, unknown> = { code: 'E_LOOP' };
cyclic.self = cyclic;

// A task may throw anything. What it threw is described once (describeThrown), the same way for
// the in-process path (errorMessage) and for the error summaries workers record (errorSummary).
describe('describing a thrown value that is not an Error', () => {
  test.each<[string, unknown, string]>([
    ['a string is its own message', 'boom', 'boom'],
    ['an empty string', '', 'an empty string was thrown (not an Error)'],
    ['undefined', undefined, 'a non-Error value was thrown: undefined'],
    ['null', null, 'a non-Error value was thrown: null'],
    ['a number', 42, 'a non-Error value was thrown: 42'],
    ['a BigInt', 2n ** 70n, 'a non-Error value was thrown: 1180591620717411303424n'],
    ['a symbol', Symbol('why'), 'a non-Error value was thrown: Symbol(why)'],
    ['an object with a cycle', cyclic, "a non-Error value was thrown: <ref *1> { code: 'E_LOOP', self: [Circular *1] }"],
    ['an object with a BigInt', { n: 1n }, 'a non-Error value was thrown: { n: 1n }'],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 }), 'a non-Error value was thrown: [Object: null prototype] { a: 1 }'],
  ])('%s', (_label, thrown, expected) => {
    expect(describeThrown(thrown)).toBe(expected);
    expect(errorMessage(thrown)).toBe(expected);
    expect(errorSummary(thrown)).toEqual({ name: 'Error', message: expected });
  });

  test('a value whose inspection throws is still described by its tag', () => {
    const hostile = { [inspect.custom]: () => { throw new Error('no'); } };
    expect(describeThrown(hostile)).toBe('a non-Error value was thrown: [object Object]');
  });

  test('a huge value is cut, saying how long it was', () => {
    const text = describeThrown('x'.repeat(10_000));
    expect(text).toHaveLength(2_000 + '... (10000 characters)'.length);
    expect(text.endsWith('... (10000 characters)')).toBe(true);
  });

  test('an Error keeps its own message', () => {
    expect(errorMessage(new TypeError('bad'))).toBe('bad');
    expect(errorSummary(Object.assign(new Error('e'), { code: 'E1' }))).toMatchObject({ name: 'Error', message: 'e', code: 'E1' });
  });
});
