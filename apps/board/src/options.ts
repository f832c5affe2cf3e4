/**
 * Board options: the public (all optional) shape and the one place that holds the defaults and
 * the validation (`resolveBoardOptions`). The command line (`cli.ts`) is a front end to it.
 */
import { GraflowError, RUN_OPTION_DEFAULTS, resolveRedisConfig, type ResolvedRedisConfig } from '@graflow/core';
import { MAX_SHARDS } from '@graflow/core/redis';
import type { Logger } from '@graflow/worker';

/** TLS material for the Redis connection: file contents (PEM), not paths. */
export interface BoardTlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** Redis connection settings: the same names as the worker's (`--redis-*` flags). */
export interface BoardRedisOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 6379 */
  port?: number;
  /** `redis://` or `rediss://` URL with its credentials; conflicts with host, port, username and password. */
  url?: string;
  username?: string;
  password?: string;
  /** `true`, or the CA, client certificate and key to connect with. @defaultValue false (true for a rediss:// URL) */
  tls?: boolean | BoardTlsOptions;
  /** host:port is a seed node of a Redis Cluster; the key prefix then needs a {hash tag}, unless sharded. @defaultValue false */
  cluster?: boolean;
  /** Shards of the namespace, `{<keyPrefix>-<i>-<salt>}`: the board shows every shard's queues. @defaultValue 1 */
  shards?: number;
}

export interface BoardOptions {
  redis?: BoardRedisOptions;
  /** Graflow key prefix (the BullMQ `prefix`); every queue under it is shown. @defaultValue 'graflow' */
  keyPrefix?: string;
  /** HTTP port; 0 picks a free one. @defaultValue 3000 */
  port?: number;
  /** Address to listen on; use 0.0.0.0 in a container. @defaultValue '127.0.0.1' */
  host?: string;
  /** Where Bull Board is mounted; `/` redirects there. @defaultValue '/admin/queues' */
  basePath?: string;
  /** Hide retry, clean, promote and remove actions. @defaultValue false */
  readOnly?: boolean;
  /** How long startup waits for Redis before failing, in ms. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** How often the list of queues under the prefix is refreshed, in ms (at most once per board request). @defaultValue 3000 */
  queueRefreshMs?: number;
  /** Largest stored branch value the board fetches and decodes, in bytes; larger ones are described, not shown. @defaultValue 1 MiB */
  maxValueBytes?: number;
  /** Where the board logs (queues found, request errors). @defaultValue nothing is logged */
  logger?: Logger;
}

export interface ResolvedBoardOptions {
  /** Core's resolved connection settings; `redis.keyPrefix` is the namespace shown. */
  redis: ResolvedRedisConfig;
  /** TLS material beyond `redis.tls`, when CA, certificate or key were given. */
  tls?: BoardTlsOptions;
  keyPrefix: string;
  port: number;
  host: string;
  basePath: string;
  readOnly: boolean;
  connectTimeoutMs: number;
  queueRefreshMs: number;
  maxValueBytes: number;
  logger?: Logger;
}

/** The board's own defaults; Redis host, port and the key prefix are core's (one source). */
export const BOARD_DEFAULTS = Object.freeze({
  keyPrefix: RUN_OPTION_DEFAULTS.redis.keyPrefix,
  port: 3000,
  host: '127.0.0.1',
  basePath: '/admin/queues',
  readOnly: false,
  connectTimeoutMs: 10_000,
  queueRefreshMs: 3_000,
  maxValueBytes: 1024 * 1024,
});

/** An invalid option; `option` is the CLI flag or environment variable, `value` what was given. */
export class BoardOptionError extends GraflowError {
  static override readonly errorName: string = 'BoardOptionError';

  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string,
  ) {
    super('INVALID_OPTION', `invalid ${option} ${JSON.stringify(value)}: ${reason}`);
  }
}

/** Which flag an option comes from: errors name it, or the variable it was read from. */
export type OptionSources = Partial<Record<string, string>>;

const KNOWN = new Set(['redis', 'keyPrefix', 'port', 'host', 'basePath', 'readOnly', 'connectTimeoutMs', 'queueRefreshMs', 'maxValueBytes', 'logger']);
const KNOWN_REDIS = new Set(['host', 'port', 'url', 'username', 'password', 'tls', 'cluster', 'shards']);

function integer(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BoardOptionError(option, value, `expected an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Applies the defaults and validates. Errors are `BoardOptionError`s naming the flag (`--port`),
 * or the environment variable when `sources` says the value came from one.
 */
export function resolveBoardOptions(options: BoardOptions = {}, sources: OptionSources = {}): ResolvedBoardOptions {
  const name = (flag: string): string => sources[flag] ?? flag;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new BoardOptionError(key, (options as Record<string, unknown>)[key], `unknown option; expected one of ${[...KNOWN].join(', ')}`);
  }
  const keyPrefix = options.keyPrefix ?? BOARD_DEFAULTS.keyPrefix;
  if (typeof keyPrefix !== 'string' || keyPrefix.length === 0 || /\s/.test(keyPrefix) || keyPrefix.endsWith(':')) {
    throw new BoardOptionError(name('--redis-key-prefix'), keyPrefix, 'expected a non-empty prefix without spaces or a trailing ":"');
  }
  const { redis, tls } = resolveRedis(options.redis ?? {}, keyPrefix, name);
  const basePath = options.basePath ?? BOARD_DEFAULTS.basePath;
  if (!basePath.startsWith('/') || (basePath.length > 1 && basePath.endsWith('/')) || /[\s?#]/.test(basePath)) {
    throw new BoardOptionError(name('--base-path'), basePath, 'expected a path like /admin/queues');
  }
  return {
    redis,
    ...(tls ? { tls } : {}),
    keyPrefix,
    port: integer(name('--port'), options.port ?? BOARD_DEFAULTS.port, 0, 65_535),
    host: options.host ?? BOARD_DEFAULTS.host,
    basePath,
    readOnly: options.readOnly ?? BOARD_DEFAULTS.readOnly,
    connectTimeoutMs: integer(name('--connect-timeout'), options.connectTimeoutMs ?? BOARD_DEFAULTS.connectTimeoutMs, 1, 600_000),
    queueRefreshMs: integer(name('--queue-refresh'), options.queueRefreshMs ?? BOARD_DEFAULTS.queueRefreshMs, 100, 3_600_000),
    maxValueBytes: integer('maxValueBytes', options.maxValueBytes ?? BOARD_DEFAULTS.maxValueBytes, 1, 512 * 1024 * 1024),
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

function resolveRedis(
  redis: BoardRedisOptions,
  keyPrefix: string,
  name: (flag: string) => string,
): { redis: ResolvedRedisConfig; tls?: BoardTlsOptions } {
  for (const key of Object.keys(redis)) {
    if (!KNOWN_REDIS.has(key)) throw new BoardOptionError(`redis.${key}`, (redis as Record<string, unknown>)[key], `unknown option; expected one of ${[...KNOWN_REDIS].join(', ')}`);
  }
  if (redis.url !== undefined) {
    if (!/^rediss?:\/\/\S+$/.test(redis.url)) throw new BoardOptionError(name('--redis-url'), redis.url, 'expected redis://host:port or rediss://host:port');
    // A URL carries its own address and credentials; a second source would be silently ignored.
    for (const [key, flag] of [['host', '--redis-host'], ['port', '--redis-port'], ['username', '--redis-username'], ['password', '--redis-password']] as const) {
      if (redis[key] !== undefined) {
        throw new BoardOptionError(name('--redis-url'), redis.url, `conflicts with ${name(flag)}; give a URL (credentials in it) or the separate settings, not both`);
      }
    }
    if (redis.cluster) throw new BoardOptionError(name('--redis-url'), redis.url, `conflicts with ${name('--redis-cluster')}; give the seed node as --redis-host and --redis-port`);
  }
  if (redis.port !== undefined) integer(name('--redis-port'), redis.port, 1, 65_535);
  if (redis.host !== undefined && (redis.host === '' || /\s/.test(redis.host))) throw new BoardOptionError(name('--redis-host'), redis.host, 'expected a host name or address');
  const shards = integer(name('--redis-shards'), redis.shards ?? RUN_OPTION_DEFAULTS.redis.shards, 1, MAX_SHARDS);
  if (shards > 1 && /[{}]/.test(keyPrefix)) {
    // Each shard is a hash tag of its own, {<prefix>-<i>-<salt>}.
    throw new BoardOptionError(name('--redis-key-prefix'), keyPrefix, `expected a prefix without braces with ${name('--redis-shards')} ${shards} (each shard is a hash tag of its own, {<prefix>-<i>-<salt>})`);
  }
  if (redis.cluster && shards === 1 && !/\{[^}]+\}/.test(keyPrefix)) {
    // BullMQ flows and the barrier's multi-key scripts need the whole namespace in one hash slot.
    throw new BoardOptionError(name('--redis-key-prefix'), keyPrefix, 'expected a {hash tag} with --redis-cluster, e.g. "{myapp}:workflows"');
  }
  const files = typeof redis.tls === 'object' && redis.tls !== null ? redis.tls : undefined;
  const tlsOn = redis.tls === true || files !== undefined || redis.url?.startsWith('rediss:') === true;
  const tls = files && (files.ca !== undefined || files.cert !== undefined || files.key !== undefined) ? files : undefined;
  if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
    const [given, missing] = tls.cert === undefined ? ['--redis-tls-key', '--redis-tls-cert'] : ['--redis-tls-cert', '--redis-tls-key'];
    throw new BoardOptionError(name(missing), '', `needed with ${name(given)}: a client certificate and its key go together`);
  }
  const config = resolveRedisConfig(
    {
      ...(redis.url !== undefined ? { url: redis.url } : {}),
      ...(redis.host !== undefined ? { host: redis.host } : {}),
      ...(redis.port !== undefined ? { port: redis.port } : {}),
      ...(redis.username !== undefined ? { username: redis.username } : {}),
      ...(redis.password !== undefined ? { password: redis.password } : {}),
      tls: tls ?? tlsOn,
      cluster: redis.cluster ?? false,
      shards,
      keyPrefix,
    },
    'redis',
  );
  return { redis: config, ...(tls ? { tls } : {}) };
}
