/**
 * Test helpers shared by the Graflow packages: private `redis-server` processes, unique key
 * prefixes and deadline-bound waits.
 *
 * @example
 * ```ts
 * import { startRedisServer, uniquePrefix, waitFor } from '@graflow/testing';
 * const redis = await startRedisServer({ appendOnly: true });
 * const prefix = uniquePrefix('my-test');
 * await waitFor(async () => (await client.exists(`${prefix}:done`)) === 1, { timeoutMs: 5_000 });
 * await redis.stop();
 * ```
 */
export { startRedisServer, freePort } from './redis-server';
export { startRedisCluster } from './redis-cluster';
export type { RedisClusterHandle } from './redis-cluster';
export type { RedisServerHandle, RedisServerOptions } from './redis-server';
export { waitFor, onceWithin, sleepUnlessAborted } from './wait';
export type { WaitForOptions } from './wait';
export { sharedRedis, uniquePrefix, SHARED_REDIS_ENV } from './shared-redis';
