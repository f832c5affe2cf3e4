import Redis from 'ioredis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { zlibSync } from 'fflate';
import {
  BlobTooLargeError,
  encodeCanonical,
  GraphIntegrityError,
  GraphNotFoundError,
  GraphStore,
  hashOf,
  InvalidHashError,
  isGraphIntegrityError,
  StoreRedisError,
  type GraphStoreOptions,
  type StoreError,
} from '../src';
import { newStore, sampleGraph, scanKeys, testRedis } from './helpers';

const TTL = 60;
const { client } = testRedis();

/** A store under a fresh prefix holding one saved sample graph. */
async function withSavedGraph(seed: number, options: Partial<GraphStoreOptions> = {}) {
  const redis = client();
  const store = newStore(redis, { ttlSeconds: TTL, ...options });
  const graph = sampleGraph(seed);
  const hash = await store.save(graph);
  return { redis, store, graph, hash, key: store.keyOf(hash) };
}

describe('GraphStore save/load', () => {
  it('round-trips a graph and returns a frozen copy', async () => {
    const { redis, store: producer, graph, hash } = await withSavedGraph(1);
    expect(hash).toBe(hashOf(graph));

    const worker = new GraphStore({ redis, keyPrefix: producer.options.keyPrefix });
    const loaded = (await worker.load(hash)) as Record<string, unknown>;
    expect(loaded).toEqual(graph);
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(() => {
      (loaded.nodes as Record<string, unknown>).extra = 1;
    }).toThrow(TypeError);
    expect(worker.stats()).toMatchObject({ hits: 0, misses: 1, uploads: 0 });
    expect(await worker.load(hash)).toBe(loaded); // second load: same cached object
    expect(worker.stats()).toMatchObject({ hits: 1, misses: 1 });

    const { uploads, bytesIn, bytesStored } = producer.stats();
    expect(uploads).toBe(1);
    expect(bytesIn).toBe(encodeCanonical(graph).length);
    expect(bytesStored).toBe((await redis.getBuffer(producer.keyOf(hash)))!.length);
  });

  it('keeps exactly one key for 1,000 saves of one definition from two stores and two builds', async () => {
    const redis = client();
    const keyPrefix = uniquePrefix('dedupe');
    const stores = [new GraphStore({ redis, keyPrefix, ttlSeconds: TTL }), new GraphStore({ redis, keyPrefix, ttlSeconds: TTL })];
    const builds = [sampleGraph(7, false), sampleGraph(7, true)];
    expect(JSON.stringify(builds[0])).not.toBe(JSON.stringify(builds[1]));

    const hashes = new Set<string>();
    // The first 10 concurrently (single-flight), then sequentially (cache hits).
    for (const hash of await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.save(builds[(i >> 1) % 2])))) hashes.add(hash);
    for (let i = 10; i < 1_000; i++) hashes.add(await stores[i % 2]!.save(builds[(i >> 1) % 2]));

    expect(hashes.size).toBe(1);
    expect(await scanKeys(redis, keyPrefix)).toEqual([`${keyPrefix}:graph:${[...hashes][0]}`]);
    expect(stores[0]!.stats().uploads + stores[1]!.stats().uploads).toBe(1);
  });

  it('sends nothing to Redis when a hot graph is saved again within the refresh interval', async () => {
    const redis = client();
    const store = newStore(redis, { ttlSeconds: TTL });
    const graph = sampleGraph(2);
    await store.save(graph);
    const set = jest.spyOn(redis, 'set');
    const expire = jest.spyOn(redis, 'expire');
    try {
      for (let i = 0; i < 200; i++) await store.save(graph);
      expect(set).not.toHaveBeenCalled();
      expect(expire).not.toHaveBeenCalled();
    } finally {
      set.mockRestore();
      expire.mockRestore();
    }
  });

  it('slides the TTL of a graph another process stored, without uploading it again', async () => {
    const { redis, store: first, graph, key } = await withSavedGraph(16);
    await redis.pexpire(key, 2_000);
    const second = new GraphStore({ redis, keyPrefix: first.options.keyPrefix, ttlSeconds: TTL });
    const set = jest.spyOn(redis, 'set');
    try {
      await second.save(graph);
      expect(set).not.toHaveBeenCalled(); // EXPIRE found it: nothing compressed or sent
    } finally {
      set.mockRestore();
    }
    expect(second.stats().uploads).toBe(0);
    expect(await redis.pttl(key)).toBeGreaterThan((TTL - 5) * 1000);
  });

  it('fetches a graph once for concurrent loads that miss the cache', async () => {
    const { redis, store: producer, hash } = await withSavedGraph(3);
    const worker = new GraphStore({ redis, keyPrefix: producer.options.keyPrefix });
    const getex = jest.spyOn(redis, 'getexBuffer');
    try {
      const loaded = await Promise.all(Array.from({ length: 8 }, () => worker.load(hash)));
      expect(new Set(loaded).size).toBe(1);
      expect(getex).toHaveBeenCalledTimes(1);
    } finally {
      getex.mockRestore();
    }
  });
});

describe('GraphStore TTL', () => {
  it('slides the TTL on load', async () => {
    const { redis, store: producer, hash, key } = await withSavedGraph(4);
    await redis.pexpire(key, 2_000);
    const fresh = new GraphStore({ redis, keyPrefix: producer.options.keyPrefix, ttlSeconds: TTL });
    await fresh.load(hash);
    expect(await redis.pttl(key)).toBeGreaterThan((TTL - 5) * 1000);
  });

  it('slides the TTL on cache hits once the refresh interval has passed', async () => {
    const { redis, store, hash, key } = await withSavedGraph(5, { refreshIntervalMs: 20 });
    await redis.pexpire(key, 2_000);
    await waitFor(async () => {
      await store.load(hash);
      return (await redis.pttl(key)) > (TTL - 5) * 1000;
    }, { what: 'a cache hit to refresh the TTL', timeoutMs: 5_000 });
    expect(store.stats().misses).toBe(0); // every load was a cache hit; the refresh was EXPIRE
  });

  it('does not refresh on cache hits within the refresh interval', async () => {
    const redis = client();
    const store = newStore(redis, { ttlSeconds: TTL }); // 60 s interval
    const hash = await store.save(sampleGraph(6));
    const key = store.keyOf(hash);
    await redis.pexpire(key, 2_000);
    for (let i = 0; i < 50; i++) await store.load(hash);
    // Same connection, so any background EXPIRE would have been sent before this PTTL.
    expect(await redis.pttl(key)).toBeLessThanOrEqual(2_000);
    expect(store.stats().hits).toBe(50);
  });

  it('uploads an expired blob again on save, even when the graph is cached', async () => {
    const { redis, store, graph, hash } = await withSavedGraph(8, { refreshIntervalMs: 0 });
    await store.load(hash); // cached and decoded
    const key = store.keyOf(hash);
    await redis.pexpire(key, 1);
    await waitFor(async () => (await redis.exists(key)) === 0, { what: 'the blob to expire' });

    expect(await store.save(graph)).toBe(hash);
    expect(store.stats().uploads).toBe(2);
    expect(await redis.pttl(key)).toBeGreaterThan((TTL - 5) * 1000);
    const fresh = new GraphStore({ redis, keyPrefix: store.options.keyPrefix });
    expect(await fresh.load(hash)).toEqual(graph);
  });

  it('puts a vanished blob back from the cache when a load hit refreshes it', async () => {
    const { redis, store, hash, key } = await withSavedGraph(9, { refreshIntervalMs: 0 });
    await redis.del(key);
    await store.load(hash); // cache hit; the background refresh finds the key gone
    await waitFor(async () => (await redis.exists(key)) === 1, { what: 'the blob to be re-uploaded' });
    expect(store.stats().uploads).toBe(2);
  });

  it('reports background refresh failures without unhandled rejections', async () => {
    const own = new Redis({ ...sharedRedis(), maxRetriesPerRequest: 0 });
    const errors: StoreError[] = [];
    const store = newStore(own, { ttlSeconds: TTL, refreshIntervalMs: 0, onBackgroundError: (e) => errors.push(e) });
    const graph = sampleGraph(10);
    const hash = await store.save(graph);
    own.disconnect();
    expect(await store.load(hash)).toEqual(graph); // served from the cache despite the dead client
    await waitFor(() => errors.length === 1, { what: 'the background error' });
    expect(errors[0]).toBeInstanceOf(StoreRedisError);
    expect(errors[0]!.message).toContain(`EXPIRE on key "${store.keyOf(hash)}" failed`);
    expect(store.stats().backgroundErrors).toBe(1);
  });
});

describe('GraphStore errors', () => {
  it('detects a flipped byte of the stored blob', async () => {
    const { redis, store: producer, graph, hash, key } = await withSavedGraph(11);
    const blob = (await redis.getBuffer(key))!;
    const outcomes = { integrity: 0, intact: 0 };
    for (let offset = 0; offset < blob.length; offset++) {
      const corrupt = Buffer.from(blob);
      corrupt[offset] ^= 0x5a;
      await redis.set(key, corrupt, 'KEEPTTL');
      const fresh = new GraphStore({ redis, keyPrefix: producer.options.keyPrefix, cacheSize: 0 });
      const result = await fresh.load(hash).catch((e: unknown) => e);
      if (result instanceof GraphIntegrityError) {
        expect(isGraphIntegrityError(result)).toBe(true);
        expect(result.message).toContain(hash);
        outcomes.integrity++;
      } else {
        // A flip that decodes to the very same bytes (say, an unused padding bit) is harmless;
        // anything else must never come back as a graph.
        expect(result).toEqual(graph);
        outcomes.intact++;
      }
      if (offset === 0 || offset === blob.length >> 1 || offset === blob.length - 1) {
        expect(result).toBeInstanceOf(GraphIntegrityError);
      }
    }
    expect(outcomes.integrity).toBeGreaterThanOrEqual(blob.length - 3);
  });

  it('detects valid content stored under the wrong hash', async () => {
    const redis = client();
    const store = newStore(redis, { ttlSeconds: TTL, cacheSize: 0 });
    const hash = hashOf(sampleGraph(12));
    await redis.set(store.keyOf(hash), Buffer.from(zlibSync(encodeCanonical(sampleGraph(13)))));
    await expect(store.load(hash)).rejects.toThrow(/failed its integrity check: its content hashes to [0-9a-f]{64}/);
    await redis.set(store.keyOf(hash), 'not zlib at all');
    await expect(store.load(hash)).rejects.toThrow(/not valid zlib data/);
  });

  it('names the hash, the key and the likely causes when a graph is missing', async () => {
    const { redis, hash } = await withSavedGraph(14);
    // A worker on another prefix: the classic producer/worker mismatch.
    const worker = newStore(redis);
    const err = (await worker.load(hash).catch((e: unknown) => e)) as GraphNotFoundError;
    expect(err).toBeInstanceOf(GraphNotFoundError);
    expect(err.code).toBe('GRAPH_NOT_FOUND');
    expect(err.hash).toBe(hash);
    expect(err.key).toBe(`${worker.options.keyPrefix}:graph:${hash}`);
    expect(err.message).toContain(hash);
    expect(err.message).toContain(`"${err.key}"`);
    expect(err.message).toMatch(/TTL expired/);
    expect(err.message).toMatch(/maxmemory/);
    expect(err.message).toMatch(/different key prefixes/);
  });

  it('rejects an invalid hash without asking Redis', async () => {
    const store = newStore(client());
    for (const bad of ['abc', hashOf(1).toUpperCase(), `${hashOf(1)}0`, 42]) {
      await expect(store.load(bad as string)).rejects.toThrow(InvalidHashError);
    }
    await expect(store.load('xyz')).rejects.toThrow('Invalid graph hash "xyz": expected 64 lowercase hex characters');
  });

  it('refuses a graph over maxBlobBytes, naming the limit and the size', async () => {
    const redis = client();
    const store = newStore(redis, { maxBlobBytes: 1_000 });
    const big = { blob: 'x'.repeat(2_000) };
    const size = encodeCanonical(big).length;
    const err = (await store.save(big).catch((e: unknown) => e)) as BlobTooLargeError;
    expect(err).toBeInstanceOf(BlobTooLargeError);
    expect(err).toMatchObject({ code: 'BLOB_TOO_LARGE', size, limit: 1_000 });
    expect(err.message).toContain(`${size} bytes`);
    expect(err.message).toContain('1000 bytes');
    expect(await scanKeys(redis, store.options.keyPrefix)).toEqual([]);
  });

  it('wraps a Redis failure in an error naming the command and the key', async () => {
    const own = new Redis({ ...sharedRedis(), lazyConnect: true, enableOfflineQueue: false });
    const store = newStore(own);
    const hash = hashOf(sampleGraph(15));
    const err = (await store.load(hash).catch((e: unknown) => e)) as StoreRedisError;
    expect(err).toBeInstanceOf(StoreRedisError);
    expect(err.message).toContain(`Redis GETEX on key "${store.keyOf(hash)}" failed`);
    expect(err.cause).toBeInstanceOf(Error);
    own.disconnect();
  });
});
