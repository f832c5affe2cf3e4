import * as core from '@graflow/core';
import * as store from '@graflow/store';

// Every error class the packages export: a GraflowError (store's carry its brand), with a
// `code` and an `errorName` of its own, a string literal a minifier cannot rename.
type Named = { errorName?: unknown; prototype: unknown; name: string };
const isClass = (v: unknown): v is Named => typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v));
const coreClasses = Object.entries(core).filter(([name, v]) => name.endsWith('Error') && isClass(v)) as Array<[string, Named]>;
const storeClasses = Object.entries(store).filter(([name, v]) => name.endsWith('Error') && isClass(v)) as Array<[string, Named]>;

test('every exported error class declares its own errorName, equal to its export name', () => {
  expect(coreClasses.length).toBeGreaterThan(20);
  expect(storeClasses.length).toBeGreaterThan(5);
  for (const [name, cls] of [...coreClasses, ...storeClasses]) {
    expect({ name, own: Object.prototype.hasOwnProperty.call(cls, 'errorName') }).toEqual({ name, own: true });
    expect(cls.errorName).toBe(name);
    expect(cls.prototype instanceof Error).toBe(true);
  }
});

test('instanceof and err.name survive a minifier renaming the classes', () => {
  const Renamed = core.ParallelGroupError;
  Object.defineProperty(Renamed, 'name', { value: 'e', configurable: true });
  try {
    const err = new Renamed('g', [], []);
    expect(err.name).toBe('ParallelGroupError');
    expect(err).toBeInstanceOf(core.ParallelGroupError);
    expect(err).toBeInstanceOf(core.GraflowError);
    expect(err).not.toBeInstanceOf(core.GroupTimeoutError);
    expect(core.isParallelGroupError(err)).toBe(true);
    expect(core.isGroupTimeoutError(err)).toBe(false);
  } finally {
    Object.defineProperty(Renamed, 'name', { value: 'ParallelGroupError', configurable: true });
  }
});

test("store errors are GraflowErrors with a code, and store's option error is not core's", () => {
  const err = new store.StoreOptionError('ttlSeconds', -1, 'a positive integer');
  expect(err).toBeInstanceOf(core.GraflowError);
  expect(core.isGraflowError(err)).toBe(true);
  expect(err.code).toBe('INVALID_OPTION');
  expect(err.name).toBe('StoreOptionError');
  expect(err).not.toBeInstanceOf(core.InvalidOptionError);
  expect(store.isStoreOptionError(err)).toBe(true);
});

test('a guard per core error class', () => {
  for (const [name, cls] of coreClasses) {
    if (name === 'GraflowError' || name === 'RemoteError') continue;
    const guard = (core as unknown as Record<string, unknown>)[`is${name}`];
    expect({ name, guard: typeof guard }).toEqual({ name, guard: 'function' });
    expect((guard as (e: unknown) => boolean)(new Error('plain'))).toBe(false);
    expect(Object.prototype.isPrototypeOf.call(core.GraflowError.prototype, cls.prototype as object)).toBe(true);
  }
});
