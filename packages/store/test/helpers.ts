import Redis from 'ioredis';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { GraphStore, type GraphStoreOptions } from '../src';

/** One ioredis client per test file on the jest-spawned redis-server; closed in afterAll. */
export function testRedis(): { client: () => Redis } {
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = new Redis({ ...sharedRedis(), maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis?.quit();
  });
  return {
    client: () => {
      if (!redis) throw new Error('testRedis() client used outside a test');
      return redis;
    },
  };
}

/** A store under a fresh prefix (so no test sees another's keys). */
export function newStore(redis: Redis, options: Partial<GraphStoreOptions> = {}): GraphStore {
  return new GraphStore({ redis, keyPrefix: uniquePrefix('store'), ...options });
}

/** Every key under `prefix`, via SCAN (never KEYS). */
export async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** A small workflow-like graph; `seed` makes distinct graphs, `reversed` inserts keys backwards. */
export function sampleGraph(seed = 0, reversed = false): Record<string, unknown> {
  const node = (id: string) => {
    const entries: [string, unknown][] = [
      ['kind', 'task'],
      ['id', id],
      ['taskId', 'fetch'],
      ['params', { url: `https://example.com/${seed}/${id}`, retries: 3, ratio: 0.25, offset: -7, tags: ['a', 'b'] }],
      ['options', { timeoutMs: 1000, backoff: null, critical: true }],
    ];
    return Object.fromEntries(reversed ? entries.reverse() : entries);
  };
  const ids = ['n1', 'n2', 'n3'];
  const nodes = Object.fromEntries((reversed ? [...ids].reverse() : ids).map((id) => [id, node(id)]));
  const top: [string, unknown][] = [
    ['name', `wf-${seed}`],
    ['version', 1],
    ['root', 'n1'],
    ['nodes', nodes],
  ];
  return Object.fromEntries(reversed ? top.reverse() : top);
}
