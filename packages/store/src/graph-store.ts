import { compressBlob, openBlob } from './codec/blob';
import { encodeCanonical } from './codec/canonical';
import { isGraphHash, sha256Hex } from './codec/hash';
import { GraphCache, type CacheEntry } from './cache/graph-cache';
import { deepFreeze } from './cache/deep-freeze';
import {
  BlobTooLargeError,
  GraphIntegrityError,
  GraphNotFoundError,
  InvalidHashError,
  isStoreError,
  StoreError,
  StoreRedisError,
} from './errors';
import { graphKey } from './keys';
import { resolveGraphStoreOptions, type GraphStoreOptions, type ResolvedGraphStoreOptions } from './options';
import { singleFlight } from './single-flight';

/** Counters since the store was created. */
export interface GraphStoreStats {
  /** Loads answered from the local cache. */
  hits: number;
  /** Loads that went to Redis. */
  misses: number;
  /** Blobs this store wrote to Redis (a SET NX that created the key). */
  uploads: number;
  /** Canonical (uncompressed) bytes of those uploads. */
  bytesIn: number;
  /** Compressed bytes of those uploads, as stored in Redis. */
  bytesStored: number;
  /** Graphs currently in the local cache. */
  cachedGraphs: number;
  /** Canonical bytes of the graphs currently in the local cache. */
  cachedBytes: number;
  /** Failed background TTL refreshes (each also went to `onBackgroundError`). */
  backgroundErrors: number;
}

/**
 * Content-addressed graph blobs in Redis: canonical msgpack, sha256 ids, zlib compression, a
 * sliding TTL, and a per-process LRU cache of decoded graphs.
 */
export class GraphStore {
  readonly options: ResolvedGraphStoreOptions;
  private readonly cache: GraphCache;
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly saving = new Map<string, Promise<void>>();
  private readonly counters = { hits: 0, misses: 0, uploads: 0, bytesIn: 0, bytesStored: 0, backgroundErrors: 0 };

  constructor(options: GraphStoreOptions) {
    this.options = resolveGraphStoreOptions(options);
    this.cache = new GraphCache(this.options.cacheSize, this.options.cacheMaxBytes);
  }

  /** The Redis key that holds the blob of `hash`. */
  keyOf(hash: string): string {
    return graphKey(this.options.keyPrefix, hash);
  }

  /**
   * Stores `graph` (once per distinct content) and resolves to its sha256 id. When it resolves,
   * the blob is in Redis with a TTL of at least `ttlSeconds` minus `refreshIntervalMs`.
   */
  async save(graph: unknown): Promise<string> {
    const encoded = encodeCanonical(graph);
    if (encoded.length > this.options.maxBlobBytes) {
      throw new BlobTooLargeError(encoded.length, this.options.maxBlobBytes);
    }
    const hash = sha256Hex(encoded);
    const cached = this.cache.get(hash);
    // A hot graph confirmed within the interval costs no round trip at all.
    if (cached && !this.isDue(cached)) return hash;
    await singleFlight(this.saving, hash, () => this.ensureStored(hash, encoded));
    return hash;
  }

  /**
   * Resolves to the graph saved under `hash`, deeply frozen (it is shared with the cache). Throws
   * `GraphNotFoundError` when the blob is gone and `GraphIntegrityError` when it is corrupt.
   * `T` is the caller's assertion of what was saved; nothing checks it.
   */
  async load<T = unknown>(hash: string): Promise<T> {
    if (!isGraphHash(hash)) throw new InvalidHashError(hash);
    const cached = this.cache.get(hash);
    if (cached) {
      this.counters.hits++;
      const value = this.cache.valueOf(cached);
      if (this.isDue(cached)) this.refreshInBackground(hash, cached, value);
      return value as T;
    }
    this.counters.misses++;
    return (await singleFlight(this.loading, hash, () => this.fetch(hash))) as T;
  }

  /** Loads served from the cache so far (`stats().hits`, without building the whole object). */
  get cacheHits(): number {
    return this.counters.hits;
  }

  stats(): GraphStoreStats {
    return { ...this.counters, cachedGraphs: this.cache.entries, cachedBytes: this.cache.bytes };
  }

  private isDue(entry: CacheEntry): boolean {
    return Date.now() - entry.checkedAt >= this.options.refreshIntervalMs;
  }

  private async fetch(hash: string): Promise<unknown> {
    const key = this.keyOf(hash);
    const { redis, ttlSeconds } = this.options;
    // GETEX slides the TTL in the same round trip as the read.
    const stored = await this.command('GETEX', key, () => redis.getexBuffer(key, 'EX', ttlSeconds));
    if (stored === null) throw new GraphNotFoundError(hash, key);
    const { value, encodedBytes } = openBlob(stored, hash, key, this.options.maxBlobBytes);
    const frozen = deepFreeze(value);
    this.cache.rememberLoaded(hash, frozen, encodedBytes, Date.now());
    return frozen;
  }

  /**
   * Makes sure the blob exists with a full TTL. EXPIRE comes first: the graph is often stored
   * already (by another producer, or by a worker starting a nested group), and then we neither
   * compress nor send it. Two rounds cover a key that appears or expires between our commands.
   */
  private async ensureStored(hash: string, encoded: Uint8Array): Promise<void> {
    const key = this.keyOf(hash);
    for (let round = 0; round < 2 && !(await this.expire(key)); round++) {
      if (await this.upload(key, encoded)) break;
    }
    this.cache.rememberSaved(hash, encoded, Date.now());
  }

  /** SET NX EX; true if this call created the key. */
  private async upload(key: string, encoded: Uint8Array): Promise<boolean> {
    const { redis, ttlSeconds, compressionLevel } = this.options;
    const stored = compressBlob(encoded, compressionLevel);
    const body = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    const reply = await this.command('SET', key, () => redis.set(key, body, 'EX', ttlSeconds, 'NX'));
    if (reply !== 'OK') return false;
    this.counters.uploads++;
    this.counters.bytesIn += encoded.length;
    this.counters.bytesStored += stored.length;
    return true;
  }

  /** EXPIRE to a full TTL; false if the key no longer exists. */
  private async expire(key: string): Promise<boolean> {
    const { redis, ttlSeconds } = this.options;
    return (await this.command('EXPIRE', key, () => redis.expire(key, ttlSeconds))) === 1;
  }

  /**
   * A cache hit slides the TTL without delaying the caller. Marking the entry first keeps it to
   * one refresh per interval however many hits arrive meanwhile. If the blob is gone, the cached
   * graph re-encodes to the same bytes, so we can put it back for the other processes.
   */
  private refreshInBackground(hash: string, entry: CacheEntry, value: unknown): void {
    entry.checkedAt = Date.now();
    const key = this.keyOf(hash);
    const refresh = async (): Promise<void> => {
      if (await this.expire(key)) return;
      const encoded = encodeCanonical(value);
      if (sha256Hex(encoded) !== hash) {
        throw new GraphIntegrityError(hash, key, 'the cached graph no longer encodes to its hash; not re-uploading it');
      }
      await singleFlight(this.saving, hash, () => this.ensureStored(hash, encoded));
    };
    refresh().catch((err: unknown) => this.reportBackgroundError(err, key));
  }

  private reportBackgroundError(err: unknown, key: string): void {
    this.counters.backgroundErrors++;
    const error = isStoreError(err) ? err : new StoreRedisError('refresh', key, err);
    try {
      this.options.onBackgroundError(error);
    } catch {
      // A throwing handler must not turn into an unhandled rejection either.
    }
  }

  /** Runs a Redis command, turning client failures into a `StoreRedisError` naming command and key. */
  private async command<T>(name: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreRedisError(name, key, err);
    }
  }
}
