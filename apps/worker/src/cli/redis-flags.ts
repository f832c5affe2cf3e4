import { RUN_OPTION_DEFAULTS } from '@graflow/core';
import { MAX_SHARDS } from '@graflow/core/redis';
import type { RedisConnectionOptions, RedisTlsOptions } from '../task-worker-api';
import { CliUsageError } from './errors';
import { FlagReader, collectFlagInput, type FlagSpec, type RawFlagInput } from './flags';

/**
 * The Redis flags of every Graflow process (worker, exporter, board): one table, one resolution,
 * so the same flags and variables mean the same thing everywhere.
 *
 * @example
 * ```ts
 * // In another CLI built on yargs:
 * declareFlags(parser, REDIS_FLAGS);
 * const { redis, keyPrefix } = resolveRedisFlags(collectFlagInput(argv, process.env, REDIS_FLAGS));
 * ```
 */

const GROUP = 'Redis:';
const D = RUN_OPTION_DEFAULTS.redis;

export const REDIS_FLAGS = {
  'redis-host': { type: 'string', arg: 'host', env: 'REDIS_HOST', group: GROUP, shownDefault: D.host, describe: 'Redis host' },
  'redis-port': { type: 'string', arg: 'port', env: 'REDIS_PORT', group: GROUP, shownDefault: String(D.port), describe: 'Redis port' },
  'redis-url': { type: 'string', arg: 'url', env: 'REDIS_URL', group: GROUP, describe: 'redis:// or rediss:// URL; replaces --redis-host and --redis-port (its user, password and database win)' },
  'redis-username': { type: 'string', arg: 'user', env: 'REDIS_USERNAME', group: GROUP, shownDefault: 'the "default" user', describe: 'Redis ACL user; its keys (~) and channels (&) must cover the key prefix' },
  'redis-password': { type: 'string', arg: 'password', env: 'REDIS_PASSWORD', group: GROUP, describe: 'Redis password' },
  'redis-tls': { type: 'boolean', env: 'REDIS_TLS', group: GROUP, shownDefault: 'false', describe: "Connect over TLS, trusting Node's bundled CAs unless --redis-tls-ca is given" },
  'redis-tls-ca': { type: 'string', arg: 'file', env: 'REDIS_TLS_CA', group: GROUP, describe: "PEM file of the CA that signed the server's certificate (a private CA); implies --redis-tls" },
  'redis-tls-cert': { type: 'string', arg: 'file', env: 'REDIS_TLS_CERT', group: GROUP, describe: 'PEM file of a client certificate, for servers with tls-auth-clients; needs --redis-tls-key; implies --redis-tls' },
  'redis-tls-key': { type: 'string', arg: 'file', env: 'REDIS_TLS_KEY', group: GROUP, describe: 'PEM file of the private key of --redis-tls-cert' },
  'redis-cluster': { type: 'boolean', group: GROUP, shownDefault: 'false', describe: 'The host and port are a seed node of a Redis Cluster; the key prefix then needs a {hash tag}, unless --redis-shards is above 1' },
  'redis-key-prefix': { type: 'string', arg: 'prefix', env: 'REDIS_KEY_PREFIX', group: GROUP, shownDefault: D.keyPrefix, describe: 'Namespace of every key; producers and workers must use the same one' },
  'redis-shards': { type: 'string', arg: 'n', env: 'REDIS_SHARDS', group: GROUP, shownDefault: String(D.shards), describe: `Spread the namespace over n shards {<prefix>-<i>-<salt>}, each in its own n-th of the hash slots, so a Redis Cluster spreads them evenly over its masters (the prefix then has no braces), at most ${MAX_SHARDS}; producers, workers, exporters and boards of a namespace must use the same n` },
} as const satisfies Record<string, FlagSpec>;

export type RedisFlagName = keyof typeof REDIS_FLAGS;

/** Where to connect and the namespace, as the flags and variables gave them. */
export interface ResolvedRedisFlags {
  redis: RedisConnectionOptions;
  keyPrefix: string;
}

/**
 * Applies the defaults and validates the Redis flags; throws `CliUsageError` naming the flag (or
 * variable) and the value. TLS files are read here, so an unreadable one fails at once.
 */
export function resolveRedisFlags(input: RawFlagInput<RedisFlagName>): ResolvedRedisFlags {
  const read = new FlagReader<RedisFlagName>(input);
  return { redis: resolveConnection(read), keyPrefix: resolveKeyPrefix(read) };
}

/** `resolveRedisFlags` over parsed argv and the environment. */
export function parseRedisFlags(parsed: Record<string, unknown>, env: NodeJS.ProcessEnv): ResolvedRedisFlags {
  return resolveRedisFlags(collectFlagInput(parsed, env, REDIS_FLAGS));
}

function resolveConnection(read: FlagReader<RedisFlagName>): RedisConnectionOptions {
  const url = read.text('redis-url', /^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL');
  const host = read.text('redis-host');
  const port = read.integer('redis-port', 1, 65_535);
  if (url !== undefined && (host !== undefined || port !== undefined)) {
    const others = [read.sourceOf('redis-host'), read.sourceOf('redis-port')].filter(Boolean).join(' and ');
    throw new CliUsageError(`${read.sourceOf('redis-url')} conflicts with ${others}: give a URL or a host and port, not both`);
  }
  const cluster = read.boolean('redis-cluster');
  if (cluster && url !== undefined) {
    throw new CliUsageError(`--redis-cluster conflicts with ${read.sourceOf('redis-url')}: give the seed node as --redis-host and --redis-port`);
  }
  const files = resolveTlsFiles(read);
  const tls = files ?? (read.boolean('redis-tls') || url?.startsWith('rediss:') === true);
  return {
    ...(url !== undefined ? { url } : { host: host ?? D.host, port: port ?? D.port }),
    ...optional('username', read.text('redis-username')),
    ...optional('password', read.text('redis-password')),
    ...(tls ? { tls } : {}),
    ...(cluster ? { cluster } : {}),
    ...optional('shards', read.integer('redis-shards', 1, MAX_SHARDS)),
  };
}

/** The CA and client certificate files, read and checked to be PEM; undefined when none is given. */
function resolveTlsFiles(read: FlagReader<RedisFlagName>): RedisTlsOptions | undefined {
  const pem = (name: 'redis-tls-ca' | 'redis-tls-cert' | 'redis-tls-key') => {
    const file = read.file(name);
    if (file && !file.text.includes('-----BEGIN ')) {
      throw new CliUsageError(`${read.sourceOf(name)} file ${JSON.stringify(file.path)} is not PEM (no "-----BEGIN" line)`);
    }
    return file?.text;
  };
  const [ca, cert, key] = [pem('redis-tls-ca'), pem('redis-tls-cert'), pem('redis-tls-key')];
  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert === undefined ? ['redis-tls-key', '--redis-tls-cert'] : ['redis-tls-cert', '--redis-tls-key'];
    throw new CliUsageError(`${read.sourceOf(given as RedisFlagName)} needs ${missing}: a client certificate takes both the certificate and its key`);
  }
  if (read.has('redis-tls') && !read.boolean('redis-tls') && (ca ?? cert) !== undefined) {
    throw new CliUsageError(`${read.sourceOf('redis-tls')} is false but TLS files are given (${read.sourceOf(ca !== undefined ? 'redis-tls-ca' : 'redis-tls-cert')})`);
  }
  if (ca === undefined && cert === undefined) return undefined;
  return { ...optional('ca', ca), ...optional('cert', cert), ...optional('key', key) };
}

function resolveKeyPrefix(read: FlagReader<RedisFlagName>): string {
  const keyPrefix = read.text('redis-key-prefix', /^\S+$/, 'a prefix without spaces') ?? D.keyPrefix;
  const shards = read.integer('redis-shards', 1, MAX_SHARDS) ?? D.shards;
  if (shards > 1 && /[{}]/.test(keyPrefix)) {
    // Each shard is a hash tag of its own, {<prefix>-<i>-<salt>}: braces in the prefix would break it.
    const source = read.sourceOf('redis-key-prefix') ?? '--redis-key-prefix';
    throw new CliUsageError(`invalid value for ${source}: ${JSON.stringify(keyPrefix)} (expected a prefix without braces with ${read.sourceOf('redis-shards')} ${shards}: each shard is a hash tag of its own, {<prefix>-<i>-<salt>})`);
  }
  if (read.boolean('redis-cluster') && shards === 1 && !/\{[^}]+\}/.test(keyPrefix)) {
    // BullMQ flows and the barrier's multi-key scripts need the whole namespace in one hash slot.
    const source = read.sourceOf('redis-key-prefix') ?? '--redis-key-prefix (default)';
    throw new CliUsageError(`invalid value for ${source}: ${JSON.stringify(keyPrefix)} (expected a {hash tag} with --redis-cluster, e.g. "{myapp}:workflows", or --redis-shards above 1)`);
  }
  return keyPrefix;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
