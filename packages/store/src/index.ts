/**
 * `@graflow/store`: content-addressed graph blobs in Redis. A value is encoded as canonical
 * msgpack (same definition, same bytes, in any process), identified by the sha256 of those bytes,
 * stored zlib-compressed under `<keyPrefix>:graph:<sha256>` with a sliding TTL, and cached decoded
 * in a per-process LRU bounded by count and bytes.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { GraphStore, hashOf, isGraphNotFoundError } from '@graflow/store';
 *
 * async function main(): Promise<void> {
 *   const redis = new Redis({ host: '127.0.0.1', port: 6379 });
 *   const store = new GraphStore({ redis, keyPrefix: 'myapp' });
 *   const graph = { name: 'etl', version: 1, nodes: { extract: { kind: 'task', taskId: 'extract' } } };
 *
 *   const hash = await store.save(graph); // uploads once; later saves of the same content are free
 *   console.log(hash === hashOf(graph)); // true
 *   console.log(await store.load(hash)); // deep-equal to graph (and frozen)
 *
 *   try {
 *     await store.load('0'.repeat(64));
 *   } catch (err) {
 *     if (isGraphNotFoundError(err)) console.log(err.message); // names hash, key and likely causes
 *   }
 *   console.log(store.stats()); // { hits, misses, uploads, bytesIn, bytesStored, ... }
 *   await redis.quit(); // the caller owns the client
 * }
 * main().catch(console.error);
 * ```
 */
export { GraphStore } from './graph-store';
export type { GraphStoreStats } from './graph-store';
export { GRAPH_STORE_DEFAULTS, resolveGraphStoreOptions } from './options';
export type { GraphStoreOptions, ResolvedGraphStoreOptions } from './options';
export { encodeCanonical, decodeCanonical } from './codec/canonical';
export { hashOf, isGraphHash } from './codec/hash';
export { graphKey } from './keys';
export {
  StoreError,
  GraphNotFoundError,
  GraphIntegrityError,
  BlobTooLargeError,
  StoreOptionError,
  InvalidHashError,
  UnsupportedValueError,
  StoreRedisError,
  GRAFLOW_ERROR_BRAND,
  isStoreError,
  isGraphNotFoundError,
  isGraphIntegrityError,
  isBlobTooLargeError,
  isStoreOptionError,
} from './errors';
export type { StoreErrorCode } from './errors';
