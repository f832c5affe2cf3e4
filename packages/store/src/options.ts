import type { Cluster, Redis } from 'ioredis';
import { StoreOptionError, type StoreError } from './errors';

/** Options of `new GraphStore(...)`. Everything but `redis` is optional. */
export interface GraphStoreOptions {
  /** An ioredis client (or cluster). The caller owns it: the store never connects or quits it. */
  redis: Redis | Cluster;
  /**
   * Namespace of the keys; blobs live at `<keyPrefix>:graph:<sha256>`. Producer and workers must
   * agree on it. Use braces (`{myapp}`) to pin a namespace to one Redis Cluster slot.
   * @defaultValue 'graflow'
   */
  keyPrefix?: string;
  /** Time to live of a blob; every load and background refresh slides it. @defaultValue 86400 (24 h) */
  ttlSeconds?: number;
  /** Max number of decoded graphs held in this process; 0 disables the cache. @defaultValue 100 */
  cacheSize?: number;
  /** Max total canonical (uncompressed) bytes of the cached graphs. @defaultValue 67108864 (64 MiB) */
  cacheMaxBytes?: number;
  /** zlib level, 0 (store) to 9 (smallest). @defaultValue 6 */
  compressionLevel?: number;
  /**
   * Largest canonical encoding `save()` accepts, and the most `load()` decompresses before it gives
   * up on a blob (a zlib bomb), in bytes. Producers and workers of a prefix should agree on it.
   * @defaultValue 16777216 (16 MiB)
   */
  maxBlobBytes?: number;
  /**
   * How often a cached graph re-confirms its blob in Redis: a cache hit on load refreshes the TTL
   * in the background, and a save re-checks the blob (re-uploading it if it expired), at most once
   * per interval. Lower means quicker recovery from an evicted blob; higher means fewer round trips.
   * Must not exceed half the TTL, so a blob confirmed within the interval still has time to live.
   * @defaultValue 60000 (1 min), or half the TTL when that is shorter
   */
  refreshIntervalMs?: number;
  /**
   * Receives errors of background work (the TTL refresh a cache hit starts), which no caller awaits.
   * @defaultValue ignore them (they are counted in `stats().backgroundErrors`)
   */
  onBackgroundError?: (error: StoreError) => void;
}

/** Options after defaults and validation; durations in milliseconds except the Redis TTL. */
export interface ResolvedGraphStoreOptions {
  readonly redis: Redis | Cluster;
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  readonly cacheSize: number;
  readonly cacheMaxBytes: number;
  readonly compressionLevel: number;
  readonly maxBlobBytes: number;
  readonly refreshIntervalMs: number;
  readonly onBackgroundError: (error: StoreError) => void;
}

const MiB = 1024 * 1024;
/** Redis refuses string values over 512 MiB. */
const REDIS_MAX_STRING_BYTES = 512 * MiB;

/** The one place the defaults live (TSDoc above repeats them for readers of the types). */
export const GRAPH_STORE_DEFAULTS = Object.freeze({
  keyPrefix: 'graflow',
  ttlSeconds: 24 * 60 * 60,
  cacheSize: 100,
  cacheMaxBytes: 64 * MiB,
  compressionLevel: 6,
  maxBlobBytes: 16 * MiB,
  refreshIntervalMs: 60_000,
});

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'redis',
  'onBackgroundError',
  ...Object.keys(GRAPH_STORE_DEFAULTS),
]);

function integer(option: string, value: unknown, min: number, max: number, unit: string, note = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new StoreOptionError(option, value, `an integer ${unit} from ${min} to ${max}${note}`);
  }
  return value;
}

/** Applies the defaults and validates; a bad option throws `StoreOptionError` naming it and its value. */
export function resolveGraphStoreOptions(options: GraphStoreOptions): ResolvedGraphStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new StoreOptionError('options', options, 'an object with at least { redis }');
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new StoreOptionError(name, (options as unknown as Record<string, unknown>)[name], `a known option (${[...KNOWN_OPTIONS].join(', ')})`);
    }
  }
  const given = { ...GRAPH_STORE_DEFAULTS, ...withoutUndefined(options) };

  const redis = options.redis as unknown;
  if (typeof redis !== 'object' || redis === null || typeof (redis as Redis).getexBuffer !== 'function') {
    throw new StoreOptionError('redis', redis, 'an ioredis Redis or Cluster instance');
  }
  const keyPrefix = given.keyPrefix as unknown;
  if (typeof keyPrefix !== 'string' || keyPrefix.length === 0 || /\s/.test(keyPrefix)) {
    throw new StoreOptionError('keyPrefix', keyPrefix, 'a non-empty string without whitespace');
  }
  const ttlSeconds = integer('ttlSeconds', given.ttlSeconds, 1, 365 * 24 * 3600, 'of seconds');
  const ttlMs = ttlSeconds * 1000;
  // Without an explicit interval, a short TTL shortens the interval instead of failing validation.
  const refreshIntervalMs =
    options.refreshIntervalMs === undefined
      ? Math.min(GRAPH_STORE_DEFAULTS.refreshIntervalMs, Math.floor(ttlMs / 2))
      : integer('refreshIntervalMs', options.refreshIntervalMs, 0, Math.floor(ttlMs / 2), 'of milliseconds', ' (half of ttlSeconds)');
  const onBackgroundError = options.onBackgroundError ?? (() => undefined);
  if (typeof onBackgroundError !== 'function') {
    throw new StoreOptionError('onBackgroundError', onBackgroundError, 'a function');
  }
  return {
    redis: options.redis,
    keyPrefix,
    ttlSeconds,
    cacheSize: integer('cacheSize', given.cacheSize, 0, 10_000_000, 'count of graphs'),
    cacheMaxBytes: integer('cacheMaxBytes', given.cacheMaxBytes, 1, Number.MAX_SAFE_INTEGER, 'of bytes'),
    compressionLevel: integer('compressionLevel', given.compressionLevel, 0, 9, 'zlib level'),
    maxBlobBytes: integer('maxBlobBytes', given.maxBlobBytes, 1, REDIS_MAX_STRING_BYTES, 'of bytes'),
    refreshIntervalMs,
    onBackgroundError,
  };
}

/** `{ ttlSeconds: undefined }` means "use the default", as if the key were absent. */
function withoutUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
