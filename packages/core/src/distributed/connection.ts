import IORedis, { type Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { GraflowConnectionError, RedisAccessError } from '../errors';
import type { ResolvedRedisConfig } from '../options/redis-config';

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
}

/**
 * What every connection of ours sends, chosen so that an ACL user limited to the key prefix
 * (`~prefix* &prefix* +@all -@dangerous`, no CLIENT commands) can run all of it:
 * - no INFO: ioredis' ready check is off, and BullMQ's version check is skipped (BullMQ reads
 *   `skipVersionCheck` from the options of a client it is handed, and of its duplicates). The
 *   ready check waited out a server loading its data after a restart; a command that meets
 *   LOADING now reconnects and is sent again instead.
 * - no CLIENT SETNAME or CLIENT SETINFO.
 */
const ACL_FRIENDLY = {
  enableReadyCheck: false,
  disableClientInfo: true,
  skipVersionCheck: true,
  reconnectOnError: (err: Error) => (err.message.startsWith('LOADING') ? 2 : false),
} as RedisOptions;

/** ioredis TLS options from the resolved config; `undefined` without TLS. */
function tlsOf(config: ResolvedRedisConfig): ConnectionOptions | undefined {
  if (!config.tls) return undefined;
  const { ca, cert, key, servername } = config.tls;
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(servername ? { servername } : {}) };
}

/**
 * An ioredis client that reconnects forever with a capped backoff (transient outages are retried)
 * and never prints an unhandled 'error' event.
 */
export function createRedisClient(config: ResolvedRedisConfig, options: ClientOptions = {}): Redis {
  const tls = tlsOf(config);
  const base: RedisOptions = {
    ...ACL_FRIENDLY,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: options.blocking ? null : 20,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    ...(tls ? { tls } : {}),
  };
  const auth: RedisOptions = {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
  };
  if (config.cluster) {
    // A Cluster answers every command we send (one hash slot per namespace), so callers may treat
    // it as a Redis; BullMQ accepts either.
    const cluster = new IORedis.Cluster([{ host: config.host, port: config.port }], {
      lazyConnect: true,
      // The cluster's own ready check is CLUSTER INFO, which such a user may run.
      enableReadyCheck: true,
      clusterRetryStrategy: base.retryStrategy,
      redisOptions: { ...ACL_FRIENDLY, connectTimeout: base.connectTimeout, maxRetriesPerRequest: base.maxRetriesPerRequest, ...auth, ...(tls ? { tls } : {}) },
    });
    cluster.on('error', () => undefined);
    return cluster as unknown as Redis;
  }
  // A URL carries its own credentials and database (they win over these options); TLS comes
  // from `rediss://` or from `config.tls`, whose CA and client certificate apply either way.
  const client = config.url ? new IORedis(config.url, base) : new IORedis({ ...base, ...auth, host: config.host, port: config.port, db: config.db });
  client.on('error', () => undefined);
  coalesceWrites(client);
  return client;
}

/**
 * Every command written in one tick leaves in one socket write. ioredis writes each command on
 * its own, so a worker running many jobs paid a system call per command (the largest single cost
 * in its profile): replies arrive together and the jobs they resume all write in the same tick.
 * The socket is corked at a tick's first write and uncorked once the tick's work is done; the
 * bytes and their order are exactly what ioredis wrote, only the system calls are fewer (unlike
 * auto-pipelining, nothing waits for an earlier batch's replies and MULTI cannot overtake).
 * Each new socket (after a reconnect) is wrapped again; duplicates (BullMQ's blocking
 * connection, subscribers) are plain clients without it.
 */
function coalesceWrites(client: Redis): void {
  client.on('connect', () => {
    const stream = (client as unknown as { stream?: Duplex }).stream;
    if (!stream || COALESCED.has(stream)) return;
    COALESCED.add(stream);
    const write = stream.write;
    let corked = false;
    const flush = () => {
      corked = false;
      stream.uncork();
    };
    stream.write = function (this: Duplex, ...args: Parameters<Duplex['write']>): boolean {
      if (!corked) {
        corked = true;
        this.cork();
        process.nextTick(flush);
      }
      return write.apply(this, args);
    } as Duplex['write'];
  });
}

const COALESCED = new WeakSet<Duplex>();

const NOPERM = /NOPERM/;

/**
 * Connects, PINGs and checks access to the namespace within `timeoutMs`. An unreachable server
 * throws `GraflowConnectionError` naming the address and the key prefix; a key prefix the ACL
 * user may not touch, or a database that does not exist, throws `RedisAccessError` saying so.
 * Either way no client is left retrying in the background.
 */
export async function connectChecked(client: Redis, config: ResolvedRedisConfig, timeoutMs: number): Promise<void> {
  let lastError: Error | undefined;
  const onError = (err: Error) => {
    lastError = err;
  };
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  const address = redisAddress(config);
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    // ioredis rejects connect() at the first refused attempt while its retry strategy keeps
    // trying: wait for 'ready' instead, so a Redis that comes up within the timeout is used.
    if (client.status === 'wait') client.connect().catch(() => undefined);
    await Promise.race([untilReady(client), timeout]);
    await Promise.race([client.ping(), timeout]);
    await Promise.race([checkAccess(client, config, address), timeout]);
  } catch (err) {
    client.disconnect();
    if (err instanceof RedisAccessError) throw err;
    throw new GraflowConnectionError(address, config.keyPrefix, lastError ?? err);
  } finally {
    if (timer) clearTimeout(timer);
    client.off('error', onError);
  }
}

/**
 * The handshake's SELECT fails quietly in ioredis (the client would carry on in database 0), so
 * the database is selected again here where a failure can be reported. Then a write-class
 * command on a key under the prefix that nothing uses (DEL of a missing key changes nothing) and
 * a PUBLISH on a channel under it that nobody hears prove the ACL covers the namespace's keys and
 * channels, before BullMQ's first script or the cancel subscription fails with a bare NOPERM.
 */
async function checkAccess(client: Redis, config: ResolvedRedisConfig, address: string): Promise<void> {
  const db = config.cluster ? 0 : Number((client.options as RedisOptions).db ?? 0);
  if (db !== 0) {
    await client.select(db).catch((err: Error) => {
      throw new RedisAccessError(address, config.keyPrefix, `cannot use Redis database ${db} at ${address} (key prefix '${config.keyPrefix}'): ${err.message}; the server has fewer databases (redis.conf "databases") or the user may not SELECT`, err);
    });
  }
  const probe = `${config.keyPrefix}:acl-probe`;
  const denied = (err: Error) => {
    if (!NOPERM.test(err.message)) throw err;
    const user = config.username ?? (config.url ? userOfUrl(config.url) : undefined) ?? 'default';
    throw new RedisAccessError(
      address,
      config.keyPrefix,
      `permission denied: Redis user '${user}' at ${address} may not use key prefix '${config.keyPrefix}' (${err.message}); ` +
        `use a prefix the user's ACL covers, or grant ~${config.keyPrefix}* and &${config.keyPrefix}*`,
      err,
    );
  };
  await client.del(probe).catch(denied);
  await client.publish(probe, '').catch(denied);
}

function untilReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

function userOfUrl(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).username) || undefined;
  } catch {
    return undefined;
  }
}
