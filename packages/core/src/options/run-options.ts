import { InvalidOptionError } from '../errors';
import type { GraflowClient } from '../distributed/producer/graflow-client';
import { CLIENT_OPTION_DEFAULTS, resolveClientOptions, type ResolvedClientOptions } from './client-options';
import { assertOptionsObject, integerOption } from './validate';

/** Redis' largest string (proto-max-bulk-len's default): no value can be stored past it. */
const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

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
   * (`{myapp}:workflows`) so a namespace lives in one slot. @defaultValue false
   */
  cluster?: boolean;
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

export type Backend = 'memory' | 'redis';

/** Options of `workflow.run()` and `ExecutionContext.create()`. */
export interface RunOptions {
  /** Node to start from. @defaultValue the graph's root */
  startNode?: string;
  /** Where results and channel values live. @defaultValue 'redis' when queueBackend is 'redis', else 'memory' */
  channelBackend?: Backend;
  /** Where parallel groups run. @defaultValue 'memory' (in-process) */
  queueBackend?: Backend;
  /**
   * Redis to connect to for this run alone (a shorthand for `client`: the run connects, and closes
   * when it ends). Give either `config` or `client`.
   */
  config?: RedisConfig;
  /**
   * A long-lived client from `connect(config)`, shared by the runs of a process. With a client,
   * `queueBackend` defaults to 'redis'.
   */
  client?: GraflowClient;
  /** @defaultValue a random UUID */
  runId?: string;
  /** A distributed group with no worker activity and no connected worker fails after this. @defaultValue 60000 */
  noWorkerTimeoutMs?: number;
  /** TTL of the run's keys (barriers, results, channel). @defaultValue 86400 */
  runTtlSeconds?: number;
  /** Largest encoded result or channel value, at most 512 MiB (Redis' largest string). @defaultValue 16 MiB */
  maxPayloadBytes?: number;
  /** With `config`: how long the run waits for Redis at start before failing. @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** With `config`: how long the run rides out a Redis outage before failing. @defaultValue 30000 */
  redisUnavailableTimeoutMs?: number;
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
}

export interface ResolvedRunOptions {
  startNode?: string;
  channelBackend: Backend;
  queueBackend: Backend;
  redis?: ResolvedRedisConfig;
  client?: GraflowClient;
  runId?: string;
  noWorkerTimeoutMs: number;
  runTtlSeconds: number;
  maxPayloadBytes: number;
  /** How a run given `config` connects. */
  clientOptions: ResolvedClientOptions;
}

export const RUN_OPTION_DEFAULTS = {
  queueBackend: 'memory' as Backend,
  noWorkerTimeoutMs: 60_000,
  runTtlSeconds: 86_400,
  maxPayloadBytes: 16 * 1024 * 1024,
  connectTimeoutMs: CLIENT_OPTION_DEFAULTS.connectTimeoutMs,
  redisUnavailableTimeoutMs: CLIENT_OPTION_DEFAULTS.redisUnavailableTimeoutMs,
  redis: { host: '127.0.0.1', port: 6379, db: 0, tls: false as const, keyPrefix: 'graflow' },
};

const KNOWN = [
  'startNode', 'channelBackend', 'queueBackend', 'config', 'client', 'runId', 'noWorkerTimeoutMs', 'runTtlSeconds', 'maxPayloadBytes',
  'connectTimeoutMs', 'redisUnavailableTimeoutMs', 'graph',
];

/** A client from `connect()` (checked by shape: the class is loaded lazily, with Redis). */
function isClient(value: unknown): value is GraflowClient {
  return typeof value === 'object' && value !== null && typeof (value as GraflowClient).openRun === 'function' && typeof (value as GraflowClient).close === 'function';
}

function backend(name: string, value: unknown): Backend | undefined {
  if (value === undefined) return undefined;
  if (value !== 'memory' && value !== 'redis') throw new InvalidOptionError(name, value, "'memory' or 'redis'");
  return value;
}

function int(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidOptionError(name, value, `an integer >= ${min}`);
  return value;
}

const REDIS_CONFIG_KEYS = ['host', 'port', 'username', 'password', 'db', 'tls', 'url', 'keyPrefix', 'cluster'];
const TLS_KEYS = ['ca', 'cert', 'key', 'servername'] as const;

/** Validates a Redis config and fills its defaults. Shared by runs, workers and tools. */
export function resolveRedisConfig(config: RedisConfig = {}, where = 'config'): ResolvedRedisConfig {
  for (const key of Object.keys(config)) {
    if (!REDIS_CONFIG_KEYS.includes(key)) throw new InvalidOptionError(`${where}.${key}`, (config as Record<string, unknown>)[key], `one of ${REDIS_CONFIG_KEYS.join(', ')}`);
  }
  const d = RUN_OPTION_DEFAULTS.redis;
  const keyPrefix = config.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /\s/.test(keyPrefix)) {
    throw new InvalidOptionError(`${where}.keyPrefix`, keyPrefix, 'a non-empty string without whitespace');
  }
  if (config.url !== undefined && !/^rediss?:\/\//.test(String(config.url))) {
    throw new InvalidOptionError(`${where}.url`, config.url, 'a redis:// or rediss:// URL');
  }
  const out: ResolvedRedisConfig = {
    host: text(`${where}.host`, config.host) ?? d.host,
    port: int(`${where}.port`, config.port, d.port),
    // Redis has 16 databases unless configured otherwise; a missing one fails the connect check.
    db: int(`${where}.db`, config.db, d.db, 0),
    tls: resolveTls(config.tls, `${where}.tls`),
    keyPrefix,
    cluster: bool(`${where}.cluster`, config.cluster) ?? false,
  };
  if (out.cluster && !/\{[^}]+\}/.test(keyPrefix)) {
    throw new InvalidOptionError(`${where}.keyPrefix`, keyPrefix, "a hash tag in braces on Redis Cluster, e.g. '{myapp}:workflows'");
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

/** Defaults and validation of `RunOptions`, in one place. */
export function resolveRunOptions(options: RunOptions = {}): ResolvedRunOptions {
  assertOptionsObject(options, 'options');
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `one of ${KNOWN.join(', ')}`);
  }
  if (options.client !== undefined) {
    if (!isClient(options.client)) throw new InvalidOptionError('client', options.client, 'a client from connect()');
    for (const conflict of ['config', 'connectTimeoutMs', 'redisUnavailableTimeoutMs'] as const) {
      if (options[conflict] !== undefined) throw new InvalidOptionError(conflict, options[conflict], `nothing when client is given (the client was connected with its own; pass them to connect())`);
    }
  }
  const queueBackend = backend('queueBackend', options.queueBackend) ?? (options.client ? 'redis' : RUN_OPTION_DEFAULTS.queueBackend);
  const channelBackend = backend('channelBackend', options.channelBackend) ?? queueBackend;
  if (queueBackend === 'redis' && channelBackend === 'memory') {
    throw new InvalidOptionError('channelBackend', channelBackend, "'redis' when queueBackend is 'redis' (workers cannot see an in-process channel)");
  }
  const out: ResolvedRunOptions = {
    channelBackend,
    queueBackend,
    noWorkerTimeoutMs: int('noWorkerTimeoutMs', options.noWorkerTimeoutMs, RUN_OPTION_DEFAULTS.noWorkerTimeoutMs),
    runTtlSeconds: int('runTtlSeconds', options.runTtlSeconds, RUN_OPTION_DEFAULTS.runTtlSeconds),
    // Redis refuses strings over 512 MiB: a larger limit would fail in Redis instead of naming itself.
    maxPayloadBytes: integerOption('maxPayloadBytes', options.maxPayloadBytes, RUN_OPTION_DEFAULTS.maxPayloadBytes, 1, MAX_PAYLOAD_BYTES),
    clientOptions: resolveClientOptions({
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.redisUnavailableTimeoutMs !== undefined ? { redisUnavailableTimeoutMs: options.redisUnavailableTimeoutMs } : {}),
    }, ''),
  };
  if (options.client) out.client = options.client;
  if (options.startNode !== undefined) {
    if (typeof options.startNode !== 'string' || options.startNode === '') throw new InvalidOptionError('startNode', options.startNode, 'a node id (a non-empty string)');
    out.startNode = options.startNode;
  }
  if (options.runId !== undefined) {
    if (typeof options.runId !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(options.runId)) {
      throw new InvalidOptionError('runId', options.runId, 'letters, digits, _ . - (at most 128)');
    }
    out.runId = options.runId;
  }
  if (!options.client && (options.config !== undefined || queueBackend === 'redis' || channelBackend === 'redis')) {
    out.redis = resolveRedisConfig(options.config);
  }
  return out;
}
