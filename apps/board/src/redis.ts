/**
 * The board's one Redis connection, made by `@graflow/core`'s client factory so URLs, ACL users,
 * TLS and Redis Cluster behave exactly as they do for producers and workers.
 */
import { connectChecked, createRedisClient } from '@graflow/core';
import type { Redis } from 'ioredis';
import type { BoardTlsOptions, ResolvedBoardOptions } from './options';

/**
 * Connects and PINGs within `connectTimeoutMs`. A failure throws core's `GraflowConnectionError`,
 * whose one line names host:port and the key prefix, and leaves nothing retrying.
 */
export async function openBoardRedis(options: ResolvedBoardOptions): Promise<Redis> {
  const client = createRedisClient(options.redis, { connectTimeoutMs: options.connectTimeoutMs, connectionName: 'graflow-board' });
  if (options.tls) addTlsMaterial(client, options.tls);
  await connectChecked(client, options.redis, options.connectTimeoutMs);
  return client;
}

/**
 * Core's factory turns `tls: true` into ioredis' `tls: {}` and has no field for a CA or a client
 * certificate yet. The client is lazy (nothing connected), and ioredis reads that same `tls`
 * object when it opens a socket, so the material is added to it here. Remove this once core's
 * config takes `tls: { ca, cert, key }`.
 */
function addTlsMaterial(client: Redis, tls: BoardTlsOptions): void {
  const material = { ...(tls.ca !== undefined ? { ca: tls.ca } : {}), ...(tls.cert !== undefined ? { cert: tls.cert } : {}), ...(tls.key !== undefined ? { key: tls.key } : {}) };
  const options = client.options as { tls?: object; redisOptions?: { tls?: object } };
  // A Cluster keeps the per-node settings under `redisOptions`.
  const target = options.redisOptions ?? options;
  if (typeof target.tls !== 'object' || target.tls === null) {
    throw new Error('the Redis client was created without TLS although TLS files were given');
  }
  Object.assign(target.tls, material);
}
