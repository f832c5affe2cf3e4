import { resolveRedisConfig, type ResolvedRedisConfig } from '@graflow/core';
import { connectChecked, createRedisClient, redisAddress, shardConfigs } from '@graflow/core/redis';
import type { Redis } from 'ioredis';
import type { RedisConnectionOptions } from '../task-worker-api';
import { StartupError, firstLine } from '../cli/errors';

/**
 * The shell's own connections (ping, queue depth) go through `@graflow/core`'s client factory, so
 * URLs, TLS and Redis Cluster behave exactly as they do for the producer and `TaskWorker`.
 */
export function toRedisConfig(conn: RedisConnectionOptions, keyPrefix: string): ResolvedRedisConfig {
  return resolveRedisConfig({ ...conn, keyPrefix }, 'redis');
}

/** `host:port` of the target, without credentials, for messages and logs. */
export function describeRedisTarget(conn: RedisConnectionOptions, keyPrefix: string): string {
  return redisAddress(toRedisConfig(conn, keyPrefix));
}

/** A client that reconnects forever with a capped backoff; it connects on first use. */
export function connectRedis(conn: RedisConnectionOptions, keyPrefix: string): Redis {
  return createRedisClient(toRedisConfig(conn, keyPrefix));
}

/**
 * One PING and an access check of the namespace, with a short connect timeout and no retry.
 * Failure throws a `StartupError` whose one line names host:port and the key prefix (and, for a
 * permission problem, the user), instead of an ioredis stack.
 */
export async function pingRedis(conn: RedisConnectionOptions, keyPrefix: string, timeoutMs = 3_000): Promise<void> {
  // A sharded namespace is checked under its first shard, the prefix an ACL user is granted.
  const [config] = shardConfigs(toRedisConfig(conn, keyPrefix));
  const client = createRedisClient(config!, { connectTimeoutMs: timeoutMs });
  try {
    await connectChecked(client, config!, timeoutMs);
  } catch (err) {
    throw new StartupError(firstLine(err));
  } finally {
    client.disconnect();
  }
}
