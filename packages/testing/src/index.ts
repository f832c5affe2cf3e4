/**
 * Test helpers shared by the Graflow packages: private `redis-server` processes (plain, TLS with
 * a private CA and client certificates, or with ACL users), unique key prefixes and
 * deadline-bound waits, seeded randomness and a zlib bomb for fuzzing.
 *
 * @example
 * ```ts
 * import { startRedisServer, uniquePrefix, waitFor } from '@graflow/testing';
 * const redis = await startRedisServer({ appendOnly: true });
 * const prefix = uniquePrefix('my-test');
 * await waitFor(async () => (await client.exists(`${prefix}:done`)) === 1, { timeoutMs: 5_000 });
 * await redis.stop();
 *
 * // Mutual TLS and an ACL user limited to one prefix:
 * const certs = await makeTlsCertificates();
 * const secure = await startRedisServer({ tls: certs, aclUsers: [{ name: 'app', password: 'pw', rules: [`~${prefix}*`, `&${prefix}*`, '+@all', '-@dangerous'] }] });
 * ```
 */
export { startRedisServer, freePort } from './redis-server';
export { startRedisCluster } from './redis-cluster';
export type { RedisClusterHandle } from './redis-cluster';
export type { RedisServerHandle, RedisServerOptions, AclUser } from './redis-server';
export { makeTlsCertificates } from './tls-certs';
export type { TlsCertificates } from './tls-certs';
export { waitFor, onceWithin, sleepUnlessAborted, settlesWithin } from './wait';
export type { WaitForOptions } from './wait';
export { sharedRedis, uniquePrefix, SHARED_REDIS_ENV } from './shared-redis';
export { seededRandom, zlibBomb } from './inputs';
export type { Random } from './inputs';
