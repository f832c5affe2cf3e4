/**
 * A process-wide slot on `globalThis`, keyed by a registered symbol, so that every copy of
 * `@graflow/core` in a process (its CJS build, a user's ESM import, a duplicate install) shares
 * one instance.
 */
export function globalSlot<T>(name: string, create: () => T): T {
  const key = Symbol.for(name);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  let value = store[key];
  if (value === undefined) {
    value = create();
    store[key] = value;
  }
  return value;
}
