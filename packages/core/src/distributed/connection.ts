import IORedis, { type Redis, type RedisOptions } from 'ioredis';
import { GraflowConnectionError } from '../errors';
import type { ResolvedRedisConfig } from '../options/run-options';

/** host:port (or the URL's host) for messages; never includes the password. */
export function redisAddress(config: ResolvedRedisConfig): string {
  if (config.url) {
    try {
      const u = new URL(config.url);
      return `${u.hostname}:${u.port || 6379}`;
    } catch {
      return '(invalid url)';
    }
  }
  return `${config.host}:${config.port}`;
}

export interface ClientOptions {
  /** BullMQ workers and blocking calls need `maxRetriesPerRequest: null`. */
  blocking?: boolean;
  connectTimeoutMs?: number;
  connectionName?: string;
}

/**
 * An ioredis client that reconnects forever with a capped backoff (transient outages are retried)
 * and never prints an unhandled 'error' event.
 */
export function createRedisClient(config: ResolvedRedisConfig, options: ClientOptions = {}): Redis {
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: options.blocking ? null : 20,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  };
  const auth: RedisOptions = {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.tls ? { tls: {} } : {}),
  };
  if (config.cluster) {
    // A Cluster answers every command we send (one hash slot per namespace), so callers may treat
    // it as a Redis; BullMQ accepts either.
    const cluster = new IORedis.Cluster([{ host: config.host, port: config.port }], {
      lazyConnect: true,
      enableReadyCheck: true,
      clusterRetryStrategy: base.retryStrategy,
      redisOptions: { connectTimeout: base.connectTimeout, maxRetriesPerRequest: base.maxRetriesPerRequest, ...auth },
    });
    cluster.on('error', () => undefined);
    return cluster as unknown as Redis;
  }
  // A URL carries its own credentials and database; TLS still comes from the flag.
  const client = config.url
    ? new IORedis(config.url, { ...base, ...(config.tls ? { tls: {} } : {}) })
    : new IORedis({ ...base, ...auth, host: config.host, port: config.port, db: config.db });
  client.on('error', () => undefined);
  return client;
}

/**
 * Connects and PINGs within `timeoutMs`; on failure throws `GraflowConnectionError` naming the
 * address and the key prefix, and leaves no client retrying in the background.
 */
export async function connectChecked(client: Redis, config: ResolvedRedisConfig, timeoutMs: number): Promise<void> {
  let lastError: Error | undefined;
  const onError = (err: Error) => {
    lastError = err;
  };
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    if (client.status === 'wait') await Promise.race([client.connect(), timeout]);
    await Promise.race([client.ping(), timeout]);
  } catch (err) {
    client.disconnect();
    throw new GraflowConnectionError(redisAddress(config), config.keyPrefix, lastError ?? err);
  } finally {
    if (timer) clearTimeout(timer);
    client.off('error', onError);
  }
}
