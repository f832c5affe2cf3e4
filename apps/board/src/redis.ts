/**
 * The board's one Redis connection, made by `@graflow/core`'s client factory so URLs, ACL users,
 * TLS and Redis Cluster behave exactly as they do for producers and workers.
 */
import { connectChecked, createRedisClient, shardConfigs } from '@graflow/core/redis';
import type { Redis } from 'ioredis';
import type { ResolvedBoardOptions } from './options';

/**
 * Connects and PINGs within `connectTimeoutMs`. A failure throws core's `GraflowConnectionError`,
 * whose one line names host:port and the key prefix, and leaves nothing retrying.
 */
export async function openBoardRedis(options: ResolvedBoardOptions): Promise<Redis> {
  // TLS material (CA, client certificate) travels in `options.redis.tls`, as for every client.
  const client = createRedisClient(options.redis, { connectTimeoutMs: options.connectTimeoutMs });
  // A sharded namespace is checked under its first shard, the prefix an ACL user is granted.
  await connectChecked(client, shardConfigs(options.redis)[0]!, options.connectTimeoutMs);
  return client;
}
