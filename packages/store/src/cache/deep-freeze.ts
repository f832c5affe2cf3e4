/**
 * Freezes a decoded value in place. Cached graphs are shared by every `load()` caller in the
 * process, so one caller mutating its copy would silently change everybody's graph; freezing turns
 * that into a TypeError at the culprit (in strict mode). Byte arrays cannot be frozen and Dates keep
 * their internal time slot mutable; both are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
