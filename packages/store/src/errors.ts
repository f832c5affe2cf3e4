/**
 * The store's error classes. Every one carries a stable `code`, an optional typed `cause`, and a
 * brand (`Symbol.for('graflow.error')`) so `@graflow/core` recognises them even when two copies of
 * this package are loaded and `instanceof` fails across them.
 */

/** Cross-package brand shared with `@graflow/core`'s `GraflowError`. */
export const GRAFLOW_ERROR_BRAND: unique symbol = Symbol.for('graflow.error');

export type StoreErrorCode =
  | 'GRAPH_NOT_FOUND'
  | 'GRAPH_INTEGRITY'
  | 'BLOB_TOO_LARGE'
  | 'INVALID_OPTION'
  | 'INVALID_HASH'
  | 'UNSUPPORTED_VALUE'
  | 'REDIS_ERROR';

const STORE_CODES: ReadonlySet<string> = new Set<StoreErrorCode>([
  'GRAPH_NOT_FOUND',
  'GRAPH_INTEGRITY',
  'BLOB_TOO_LARGE',
  'INVALID_OPTION',
  'INVALID_HASH',
  'UNSUPPORTED_VALUE',
  'REDIS_ERROR',
]);

/** Base class of every error thrown by `@graflow/store`. */
export class StoreError extends Error {
  /** The error's name, a string literal per subclass so minifiers cannot rename it. */
  static readonly errorName: string = 'StoreError';
  readonly code: StoreErrorCode;
  override readonly cause?: unknown;
  readonly [GRAFLOW_ERROR_BRAND] = true;

  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message);
    this.code = code;
    if (options.cause !== undefined) this.cause = options.cause;
    this.name = (new.target as typeof StoreError).errorName;
  }
}

/** No blob under the key: it expired, was evicted, or producer and worker use different prefixes. */
export class GraphNotFoundError extends StoreError {
  static override readonly errorName: string = 'GraphNotFoundError';

  constructor(
    readonly hash: string,
    readonly key: string,
  ) {
    super(
      'GRAPH_NOT_FOUND',
      `Graph ${hash} not found in Redis (key "${key}"). Likely causes: the blob's TTL expired ` +
        `(it slides on every load; raise ttlSeconds if runs outlive it), Redis evicted it under ` +
        `maxmemory (use maxmemory-policy noeviction or volatile-*), or the producer and this ` +
        `process use different key prefixes.`,
    );
  }
}

/** The stored bytes do not decompress, decode, or hash to the key's hash (corruption or tampering). */
export class GraphIntegrityError extends StoreError {
  static override readonly errorName: string = 'GraphIntegrityError';

  constructor(
    readonly hash: string,
    readonly key: string,
    detail: string,
    cause?: unknown,
  ) {
    super('GRAPH_INTEGRITY', `Graph ${hash} at key "${key}" failed its integrity check: ${detail}`, { cause });
  }
}

/** A value whose canonical encoding exceeds `maxBlobBytes`. */
export class BlobTooLargeError extends StoreError {
  static override readonly errorName: string = 'BlobTooLargeError';

  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      'BLOB_TOO_LARGE',
      `Graph encodes to ${size} bytes, over the store's maxBlobBytes limit of ${limit} bytes`,
    );
  }
}

/** A `GraphStore` option with a bad value (or an unknown option name). */
export class StoreOptionError extends StoreError {
  static override readonly errorName: string = 'StoreOptionError';

  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super('INVALID_OPTION', `Invalid GraphStore option ${option}: expected ${expected}, got ${describe(value)}`);
  }
}

/** `load()` was given something that is not a lowercase sha256 hex digest. */
export class InvalidHashError extends StoreError {
  static override readonly errorName: string = 'InvalidHashError';

  constructor(readonly hash: unknown) {
    super('INVALID_HASH', `Invalid graph hash ${describe(hash)}: expected 64 lowercase hex characters (a sha256 digest from save() or hashOf())`);
  }
}

/** A value the canonical encoding cannot represent without changing it. */
export class UnsupportedValueError extends StoreError {
  static override readonly errorName: string = 'UnsupportedValueError';

  constructor(
    readonly path: string,
    /** What is wrong at `path`, without the path (e.g. "a function is not data"). */
    readonly detail: string,
  ) {
    super('UNSUPPORTED_VALUE', `Cannot store value at ${path}: ${detail}`);
  }
}

/** A Redis command failed; names the command and key, the client's error is the cause. */
export class StoreRedisError extends StoreError {
  static override readonly errorName: string = 'StoreRedisError';

  constructor(
    readonly command: string,
    readonly key: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('REDIS_ERROR', `Redis ${command} on key "${key}" failed: ${reason}`, { cause });
  }
}

/** True for any store error, including one thrown by another copy of this package. */
export function isStoreError(err: unknown): err is StoreError {
  if (err instanceof StoreError) return true;
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as Record<symbol, unknown>)[GRAFLOW_ERROR_BRAND] === true &&
    STORE_CODES.has(String((err as { code?: unknown }).code))
  );
}

function hasCode<E extends StoreError>(code: StoreErrorCode) {
  return (err: unknown): err is E => isStoreError(err) && err.code === code;
}

export const isGraphNotFoundError = hasCode<GraphNotFoundError>('GRAPH_NOT_FOUND');
export const isGraphIntegrityError = hasCode<GraphIntegrityError>('GRAPH_INTEGRITY');
export const isBlobTooLargeError = hasCode<BlobTooLargeError>('BLOB_TOO_LARGE');
export const isStoreOptionError = hasCode<StoreOptionError>('INVALID_OPTION');

/** Short, single-line rendering of a bad value for error messages. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}
