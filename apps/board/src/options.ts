/**
 * Board options: the public (all optional) shape, the one place that holds defaults and
 * validation (`resolveBoardOptions`), and the CLI parser built on it (`parseBoardArgs`).
 */
import { DEFAULT_QUEUE } from '@graflow/core/redis';
import yargs from 'yargs';

/** Redis connection settings (the same names the worker uses). */
export interface BoardRedisOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue 6379 */
  port?: number;
  /** `redis://` or `rediss://` URL; conflicts with `host` and `port`. */
  url?: string;
  username?: string;
  password?: string;
  /** Connect with TLS. @defaultValue false */
  tls?: boolean;
}

export interface BoardOptions {
  redis?: BoardRedisOptions;
  /** Graflow key prefix (the BullMQ `prefix`) whose `tasks` queue is shown. @defaultValue 'graflow' */
  keyPrefix?: string;
  /** HTTP port; 0 picks a free one. @defaultValue 3000 */
  port?: number;
  /** Address to listen on; use 0.0.0.0 in a container. @defaultValue '127.0.0.1' */
  host?: string;
  /** Where Bull Board is mounted. @defaultValue '/admin/queues' */
  basePath?: string;
  /** Hide retry, clean, promote and remove actions. @defaultValue false */
  readOnly?: boolean;
  /** How long startup waits for Redis before failing, in ms. @defaultValue 10000 */
  connectTimeoutMs?: number;
}

export interface ResolvedBoardOptions {
  redis: { host: string; port: number; url?: string; username?: string; password?: string; tls: boolean };
  keyPrefix: string;
  port: number;
  host: string;
  basePath: string;
  readOnly: boolean;
  connectTimeoutMs: number;
}

/** The queue every Graflow namespace uses (`<keyPrefix>:tasks:*` keys). */
export const TASKS_QUEUE = DEFAULT_QUEUE;

/** An invalid option; `option` is the CLI flag (or option key) and `value` what was given. */
export class BoardOptionError extends Error {
  override readonly name = 'BoardOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`invalid ${option} ${JSON.stringify(value)}: ${reason}`);
  }
}

function checkPort(option: string, value: number, allowZero: boolean): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65535) {
    throw new BoardOptionError(option, value, `expected an integer from ${allowZero ? 0 : 1} to 65535`);
  }
  return value;
}

/** Applies defaults and validates; throws `BoardOptionError` naming the option and its value. */
export function resolveBoardOptions(options: BoardOptions = {}): ResolvedBoardOptions {
  const redis = options.redis ?? {};
  if (redis.url !== undefined) {
    if (redis.host !== undefined || redis.port !== undefined) {
      throw new BoardOptionError('--redis-url', redis.url, 'conflicts with --redis-host/--redis-port; give one or the other');
    }
    if (!/^rediss?:\/\//.test(redis.url)) {
      throw new BoardOptionError('--redis-url', redis.url, 'expected redis://host:port or rediss://host:port');
    }
  }
  const keyPrefix = options.keyPrefix ?? 'graflow';
  if (keyPrefix.length === 0 || /\s/.test(keyPrefix) || keyPrefix.endsWith(':')) {
    throw new BoardOptionError('--redis-key-prefix', keyPrefix, 'expected a non-empty prefix without spaces or a trailing ":"');
  }
  const basePath = options.basePath ?? '/admin/queues';
  if (!basePath.startsWith('/') || (basePath.length > 1 && basePath.endsWith('/'))) {
    throw new BoardOptionError('--base-path', basePath, 'expected a path like /admin/queues');
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
    throw new BoardOptionError('--connect-timeout', connectTimeoutMs, 'expected a positive number of milliseconds');
  }
  return {
    redis: {
      host: redis.host ?? '127.0.0.1',
      port: checkPort('--redis-port', redis.port ?? 6379, false),
      ...(redis.url !== undefined ? { url: redis.url } : {}),
      ...(redis.username !== undefined ? { username: redis.username } : {}),
      ...(redis.password !== undefined ? { password: redis.password } : {}),
      tls: redis.tls ?? false,
    },
    keyPrefix,
    port: checkPort('--port', options.port ?? 3000, true),
    host: options.host ?? '127.0.0.1',
    basePath,
    readOnly: options.readOnly ?? false,
    connectTimeoutMs,
  };
}

/** Environment variables read when the matching flag is absent (a flag wins). */
export const BOARD_ENV = {
  'redis-host': 'REDIS_HOST',
  'redis-port': 'REDIS_PORT',
  'redis-url': 'REDIS_URL',
  'redis-username': 'REDIS_USERNAME',
  'redis-password': 'REDIS_PASSWORD',
  'redis-key-prefix': 'REDIS_KEY_PREFIX',
  port: 'BOARD_PORT',
  host: 'BOARD_HOST',
} as const;

function numberArg(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new BoardOptionError(flag, raw, 'expected a number');
  return n;
}

/** What the command line asked for: run the board, or print the help text. */
export type BoardCommand = { kind: 'run'; options: ResolvedBoardOptions } | { kind: 'help'; text: string };

/**
 * Parses `graflow-board` arguments (strict: unknown flags are an error) with the environment as
 * fallback (a flag wins; an empty variable counts as unset). Never exits the process: a bad
 * argument throws `BoardOptionError`, and `--help` comes back as text.
 */
export async function parseBoardArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<BoardCommand> {
  const str = { type: 'string' as const };
  const parser = yargs([...argv])
    .scriptName('graflow-board')
    .help(false)
    .usage('$0 [options]\n\nServes Bull Board for the `tasks` queue of one Graflow key prefix.')
    .option('redis-host', { ...str, describe: `Redis host [env ${BOARD_ENV['redis-host']}] (default 127.0.0.1)` })
    .option('redis-port', { ...str, describe: `Redis port [env ${BOARD_ENV['redis-port']}] (default 6379)` })
    .option('redis-url', { ...str, describe: `Redis URL, instead of host and port [env ${BOARD_ENV['redis-url']}]` })
    .option('redis-username', { ...str, describe: `Redis ACL user [env ${BOARD_ENV['redis-username']}]` })
    .option('redis-password', { ...str, describe: `Redis password [env ${BOARD_ENV['redis-password']}]` })
    .option('redis-tls', { type: 'boolean', describe: 'Connect to Redis with TLS' })
    .option('redis-key-prefix', { ...str, describe: `Graflow key prefix [env ${BOARD_ENV['redis-key-prefix']}] (default graflow)` })
    .option('port', { ...str, describe: `HTTP port, 0 for any free one [env ${BOARD_ENV.port}] (default 3000)` })
    .option('host', { ...str, describe: `Listen address [env ${BOARD_ENV.host}] (default 127.0.0.1)` })
    .option('base-path', { ...str, describe: 'Mount path of the board (default /admin/queues)' })
    .option('read-only', { type: 'boolean', describe: 'Hide the actions that change jobs' })
    .option('connect-timeout', { ...str, describe: 'Milliseconds to wait for Redis at startup (default 10000)' })
    .option('help', { alias: 'h', type: 'boolean', describe: 'Show this help' })
    .strict()
    .version(false)
    .exitProcess(false)
    .wrap(100)
    .fail((msg, err) => {
      throw err ?? new BoardOptionError('arguments', argv.join(' '), msg);
    });
  const args = parser.parseSync();
  if (args.help) return { kind: 'help', text: await parser.getHelp() };
  const pick = (flag: keyof typeof BOARD_ENV): string | undefined =>
    (args[flag] as string | undefined) ?? (env[BOARD_ENV[flag]] || undefined);
  const options = resolveBoardOptions({
    redis: {
      host: pick('redis-host'),
      port: numberArg('--redis-port', pick('redis-port')),
      url: pick('redis-url'),
      username: pick('redis-username'),
      password: pick('redis-password'),
      tls: args['redis-tls'],
    },
    keyPrefix: pick('redis-key-prefix'),
    port: numberArg('--port', pick('port')),
    host: pick('host'),
    basePath: args['base-path'],
    readOnly: args['read-only'],
    connectTimeoutMs: numberArg('--connect-timeout', args['connect-timeout']),
  });
  return { kind: 'run', options };
}
