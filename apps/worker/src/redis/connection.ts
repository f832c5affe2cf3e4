import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConnectionOptions } from '../task-worker-api';
import { StartupError, firstLine } from '../cli/errors';

/** `host:port` of the target, without credentials, for messages and logs. */
export function describeRedisTarget(conn: RedisConnectionOptions): string {
  if (conn.url) {
    try {
      const url = new URL(conn.url);
      return `${url.hostname || '127.0.0.1'}:${url.port || '6379'}`;
    } catch {
      return '<invalid redis url>';
    }
  }
  return `${conn.host ?? '127.0.0.1'}:${conn.port ?? 6379}`;
}

/** ioredis options for our connection settings; a URL, when given, is returned apart. */
function toIORedisOptions(conn: RedisConnectionOptions, connectionName: string): { url?: string; options: RedisOptions } {
  const options: RedisOptions = {
    connectionName,
    ...(conn.url ? {} : { host: conn.host ?? '127.0.0.1', port: conn.port ?? 6379 }),
    ...(conn.username !== undefined ? { username: conn.username } : {}),
    ...(conn.password !== undefined ? { password: conn.password } : {}),
    ...(conn.db !== undefined ? { db: conn.db } : {}),
    ...(conn.tls ? { tls: {} } : {}),
  };
  return conn.url ? { url: conn.url, options } : { options };
}

/** A BullMQ `connection` option (BullMQ creates, reconnects and closes the client). */
export function toBullConnection(conn: RedisConnectionOptions, connectionName: string): RedisOptions & { url?: string } {
  const { url, options } = toIORedisOptions(conn, connectionName);
  return url ? { ...options, url } : options;
}

/**
 * One PING with a short connect timeout and no retry. Failure throws a `StartupError` whose one
 * line names host:port and the key prefix, instead of an ioredis stack.
 */
export async function pingRedis(conn: RedisConnectionOptions, keyPrefix: string, timeoutMs = 3_000): Promise<void> {
  const { url, options } = toIORedisOptions(conn, 'graflow-ping');
  const settings: RedisOptions = {
    ...options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  };
  const client = url ? new Redis(url, settings) : new Redis(settings);
  let lastError: unknown;
  client.on('error', (err: unknown) => {
    lastError = err;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const reason = firstLine(lastError ?? err);
    throw new StartupError(`cannot reach Redis at ${describeRedisTarget(conn)} (key prefix "${keyPrefix}"): ${reason}`);
  } finally {
    client.disconnect();
  }
}
