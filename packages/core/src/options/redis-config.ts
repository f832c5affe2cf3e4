import { InvalidOptionError } from '../errors';
import { integerOption } from './validate';

/**
 * The Redis connection and namespace (the seed's `config`): one type and one resolver, shared by
 * producers, workers, the board and the exporter.
 */

/** Defaults of `RedisConfig`, in one place (the key prefix default lives here and nowhere else). */
export const REDIS_CONFIG_DEFAULTS = Object.freeze({ host: '127.0.0.1', port: 6379, db: 0, tls: false as const, keyPrefix: 'graflow', shards: 1 });

/** Redis connection and namespace (the seed's `config`). */
export interface RedisConfig {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 6379 */
  port?: number;
  username?: string;
  password?: string;
  /** @defaultValue 0 */
  db?: number;
  /**
   * Connect over TLS: `true` trusts Node's bundled CAs; an object adds a private CA, a client
   * certificate for mutual TLS, or the name the server's certificate is checked against. A
   * `rediss://` URL turns TLS on by itself. @defaultValue false
   */
  tls?: boolean | RedisTlsOptions;
  /** `redis://` or `rediss://` URL; wins over host, port, username, password and db. */
  url?: string;
  /** Namespace of every key: queues, graphs, barriers, channels. @defaultValue 'graflow' */
  keyPrefix?: string;
  /**
   * Treat host:port as a seed node of a Redis Cluster. The key prefix must then carry a hash tag
   * (`{myapp}:workflows`) so a namespace lives in one slot, unless it is sharded. @defaultValue false
   */
  cluster?: boolean;
  /**
   * Spread the namespace over this many shards, `{<keyPrefix>-<i>-<salt>}` for i from 0 (each
   * tag in its own K-th of the hash slots; see `shardPrefixes`): each run lives entirely in one
   * shard (its keys, graph, jobs and barriers), picked from its run id, so on a Redis Cluster
   * runs spread over the masters. The key prefix then carries no braces. Producers, workers,
   * exporters and boards of a namespace must use the same value.
   * @defaultValue 1 (one namespace, `keyPrefix` itself)
   */
  shards?: number;
}

/** TLS material, as PEM text (read the files yourself; nothing here reads paths). */
export interface RedisTlsOptions {
  /** CA certificate(s) the server's certificate must chain to, e.g. a private CA. @defaultValue Node's bundled CAs */
  ca?: string | Buffer;
  /** Client certificate, for servers that require one (`tls-auth-clients yes`); needs `key`. */
  cert?: string | Buffer;
  /** Private key of `cert`. */
  key?: string | Buffer;
  /** Name checked against the server's certificate (and sent as SNI). @defaultValue the host */
  servername?: string;
}

export interface ResolvedRedisConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** `false`, or the TLS options (`{}` for plain `tls: true`). */
  tls: false | RedisTlsOptions;
  url?: string;
  keyPrefix: string;
  cluster: boolean;
  /** 1: the namespace is `keyPrefix`; more: it is the shards `{<keyPrefix>-<i>-<salt>}` (see `shardPrefixes`). */
  shards: number;
}

/**
 * Most shards a namespace may have: every worker runs a BullMQ worker, with its own blocking
 * connection, per shard and served queue.
 */
export const MAX_SHARDS = 256;

const REDIS_CONFIG_KEYS = ['host', 'port', 'username', 'password', 'db', 'tls', 'url', 'keyPrefix', 'cluster', 'shards'];

const TLS_KEYS = ['ca', 'cert', 'key', 'servername'] as const;

/** Validates a Redis config and fills its defaults. Shared by runs, workers and tools. */
export function resolveRedisConfig(config: RedisConfig = {}, where = 'config'): ResolvedRedisConfig {
  for (const key of Object.keys(config)) {
    if (!REDIS_CONFIG_KEYS.includes(key)) throw new InvalidOptionError(`${where}.${key}`, (config as Record<string, unknown>)[key], `one of ${REDIS_CONFIG_KEYS.join(', ')}`);
  }
  const d = REDIS_CONFIG_DEFAULTS;
  const keyPrefix = config.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /\s/.test(keyPrefix)) {
    throw new InvalidOptionError(`${where}.keyPrefix`, keyPrefix, 'a non-empty string without whitespace');
  }
  if (config.url !== undefined && !/^rediss?:\/\//.test(String(config.url))) {
    throw new InvalidOptionError(`${where}.url`, config.url, 'a redis:// or rediss:// URL');
  }
  const out: ResolvedRedisConfig = {
    host: text(`${where}.host`, config.host) ?? d.host,
    port: integerOption(`${where}.port`, config.port, d.port, 1),
    // Redis has 16 databases unless configured otherwise; a missing one fails the connect check.
    db: integerOption(`${where}.db`, config.db, d.db, 0),
    tls: resolveTls(config.tls, `${where}.tls`),
    keyPrefix,
    cluster: bool(`${where}.cluster`, config.cluster) ?? false,
    shards: config.shards ?? d.shards,
  };
  if (!Number.isInteger(out.shards) || out.shards < 1 || out.shards > MAX_SHARDS) {
    throw new InvalidOptionError(`${where}.shards`, out.shards, `an integer from 1 to ${MAX_SHARDS}`);
  }
  if (out.shards > 1 && /[{}]/.test(keyPrefix)) {
    // Each shard is its own hash tag; a brace in the prefix would nest or end it.
    throw new InvalidOptionError(`${where}.keyPrefix`, keyPrefix, `a prefix without braces when ${where}.shards is ${out.shards} (each shard is a hash tag of its own, {<prefix>-<i>-<salt>})`);
  }
  if (out.cluster && out.shards === 1 && !/\{[^}]+\}/.test(keyPrefix)) {
    throw new InvalidOptionError(`${where}.keyPrefix`, keyPrefix, "a hash tag in braces on Redis Cluster, e.g. '{myapp}:workflows' (or shards > 1, which tag each shard)");
  }
  if (out.cluster && out.db !== 0) throw new InvalidOptionError(`${where}.db`, out.db, '0 on Redis Cluster (it has one database)');
  if (out.port > 65535) throw new InvalidOptionError(`${where}.port`, out.port, 'a TCP port (1-65535)');
  const username = text(`${where}.username`, config.username);
  if (username !== undefined) out.username = username;
  if (config.password !== undefined) {
    if (typeof config.password !== 'string') throw new InvalidOptionError(`${where}.password`, '(hidden)', 'a string');
    out.password = config.password;
  }
  if (config.url !== undefined) out.url = config.url;
  return out;
}

function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidOptionError(name, value, 'a non-empty string');
  return value;
}

function bool(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, value, 'true or false');
  return value;
}

/** PEM text: a path or DER bytes given by mistake would otherwise fail deep inside the TLS handshake. */
function pem(name: string, value: unknown): string | Buffer {
  const isText = typeof value === 'string' || Buffer.isBuffer(value);
  if (!isText || !value.toString().includes('-----BEGIN ')) {
    // A private key is never echoed; a path (the usual mistake) is.
    const shown = name.endsWith('.key') ? '(hidden)' : Buffer.isBuffer(value) ? '(a Buffer without PEM)' : value;
    throw new InvalidOptionError(name, shown, 'PEM text (a string or Buffer with "-----BEGIN ..."); read the file first');
  }
  return value;
}

function resolveTls(value: unknown, name: string): false | RedisTlsOptions {
  if (value === undefined || value === false) return false;
  if (value === true) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new InvalidOptionError(name, value, 'true, false or { ca, cert, key, servername }');
  }
  const given = value as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(TLS_KEYS as readonly string[]).includes(key)) throw new InvalidOptionError(`${name}.${key}`, given[key], `one of ${TLS_KEYS.join(', ')}`);
  }
  const out: RedisTlsOptions = {};
  for (const key of ['ca', 'cert', 'key'] as const) {
    if (given[key] !== undefined) out[key] = pem(`${name}.${key}`, given[key]);
  }
  if ((out.cert === undefined) !== (out.key === undefined)) {
    const missing = out.cert === undefined ? 'cert' : 'key';
    throw new InvalidOptionError(`${name}.${missing}`, undefined, `PEM text: a client certificate needs both ${name}.cert and ${name}.key`);
  }
  const servername = text(`${name}.servername`, given.servername);
  if (servername !== undefined) out.servername = servername;
  return out;
}
