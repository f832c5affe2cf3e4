import { InvalidOptionError } from '../errors';
import type { GraflowClient } from '../distributed/producer/graflow-client';
import { CLIENT_OPTION_DEFAULTS, resolveClientOptions, type ResolvedClientOptions } from './client-options';

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
  /** Connect over TLS. @defaultValue false */
  tls?: boolean;
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
  /** Largest encoded result or channel value. @defaultValue 16 MiB */
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
  tls: boolean;
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
  redis: { host: '127.0.0.1', port: 6379, db: 0, tls: false, keyPrefix: 'graflow' },
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

/** Validates a Redis config and fills its defaults. Shared by runs, workers and tools. */
export function resolveRedisConfig(config: RedisConfig = {}, where = 'config'): ResolvedRedisConfig {
  const known = ['host', 'port', 'username', 'password', 'db', 'tls', 'url', 'keyPrefix', 'cluster'];
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) throw new InvalidOptionError(`${where}.${key}`, (config as Record<string, unknown>)[key], `one of ${known.join(', ')}`);
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
    host: config.host ?? d.host,
    port: int(`${where}.port`, config.port, d.port),
    db: int(`${where}.db`, config.db, d.db, 0),
    tls: config.tls ?? d.tls,
    keyPrefix,
    cluster: config.cluster ?? false,
  };
  if (out.cluster && !/\{[^}]+\}/.test(keyPrefix)) {
    throw new InvalidOptionError(`${where}.keyPrefix`, keyPrefix, "a hash tag in braces on Redis Cluster, e.g. '{myapp}:workflows'");
  }
  if (out.port > 65535) throw new InvalidOptionError(`${where}.port`, out.port, 'a TCP port (1-65535)');
  if (config.username !== undefined) out.username = config.username;
  if (config.password !== undefined) out.password = config.password;
  if (config.url !== undefined) out.url = config.url;
  return out;
}

/** Defaults and validation of `RunOptions`, in one place. */
export function resolveRunOptions(options: RunOptions = {}): ResolvedRunOptions {
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
    maxPayloadBytes: int('maxPayloadBytes', options.maxPayloadBytes, RUN_OPTION_DEFAULTS.maxPayloadBytes),
    clientOptions: resolveClientOptions({
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.redisUnavailableTimeoutMs !== undefined ? { redisUnavailableTimeoutMs: options.redisUnavailableTimeoutMs } : {}),
    }, ''),
  };
  if (options.client) out.client = options.client;
  if (options.startNode !== undefined) out.startNode = options.startNode;
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
