import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { uniquePrefix } from '@graflow/testing';
import { encodeCanonical, GraphStore } from '../src';
import { testRedis } from './helpers';

const GRAPHS = 10_000;
const TTL = 120;
const BATCH = 50;
const { client } = testRedis();

/** A distinct, workflow-shaped graph of a few KB. */
function graph(i: number): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (let n = 0; n < 25; n++) {
    const id = `step-${n}`;
    nodes[id] = { kind: 'task', id, taskId: `task.${n % 5}`, params: { run: i, url: `https://api.example.com/items/${i}/${n}`, limit: n * 10 }, options: { retries: 3 } };
  }
  return { name: `graph-${i}`, version: 1, root: 'step-0', nodes };
}

/** gc() even when jest runs without --expose-gc. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedBytes(gc: () => void): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

describe('GraphStore cache bounds', () => {
  const keyPrefix = uniquePrefix('bounds');
  const hashes: string[] = [];
  const gc = collector();

  beforeAll(async () => {
    // Upload once with a cache-less store; each test then loads all of them into its own store.
    const producer = new GraphStore({ redis: client(), keyPrefix, ttlSeconds: TTL, cacheSize: 0 });
    for (let i = 0; i < GRAPHS; i += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, j) => producer.save(graph(i + j)));
      hashes.push(...(await Promise.all(batch)));
    }
  });

  /** Loads every graph, BATCH at a time to overlap round trips, checking the bound as it goes. */
  async function loadAll(store: GraphStore, check: () => void): Promise<void> {
    for (let i = 0; i < hashes.length; i += BATCH) {
      await Promise.all(hashes.slice(i, i + BATCH).map((hash) => store.load(hash)));
      check();
    }
  }

  it('holds at most cacheSize graphs after 10,000 distinct ones', async () => {
    const store = new GraphStore({ redis: client(), keyPrefix, ttlSeconds: TTL, cacheSize: 50 });
    await loadAll(store, () => expect(store.stats().cachedGraphs).toBeLessThanOrEqual(50));
    expect(store.stats()).toMatchObject({ cachedGraphs: 50, misses: GRAPHS, hits: 0 });
    // Least recently used went first: the last 50 are the ones still cached.
    for (const hash of hashes.slice(-50)) await store.load(hash);
    expect(store.stats().hits).toBe(50);
    await store.load(hashes[0]!);
    expect(store.stats().misses).toBe(GRAPHS + 1);
  });

  it('holds at most cacheMaxBytes and keeps heap growth within a bound derived from it', async () => {
    const cacheMaxBytes = 1024 * 1024;
    const encodedTotal = hashes.length * encodeCanonical(graph(0)).length;
    // Decoded graphs take several times their encoded size on the heap; allow 8x, plus slack for
    // the ioredis client, JIT code and allocator noise.
    const bound = cacheMaxBytes * 8 + 16 * 1024 * 1024;
    expect(encodedTotal).toBeGreaterThan(bound); // even the encoded bytes alone would break it

    const measure = async (options: { cacheSize: number; cacheMaxBytes: number }) => {
      const store = new GraphStore({ redis: client(), keyPrefix, ttlSeconds: TTL, ...options });
      const before = retainedBytes(gc);
      await loadAll(store, () => expect(store.stats().cachedBytes).toBeLessThanOrEqual(options.cacheMaxBytes));
      const growth = retainedBytes(gc) - before;
      return { store, growth };
    };

    const bounded = await measure({ cacheSize: 1_000_000, cacheMaxBytes });
    expect(bounded.store.stats().cachedBytes).toBeLessThanOrEqual(cacheMaxBytes);
    expect(bounded.store.stats().cachedGraphs).toBeLessThan(GRAPHS / 10);
    expect(bounded.growth).toBeLessThan(bound);

    // Control: the same loads into a cache that never evicts do break the bound, so the check
    // above would catch an unbounded cache.
    const unbounded = await measure({ cacheSize: 1_000_000, cacheMaxBytes: 2 ** 40 });
    expect(unbounded.store.stats().cachedGraphs).toBe(GRAPHS);
    expect(unbounded.growth).toBeGreaterThan(bound);
  });
});
