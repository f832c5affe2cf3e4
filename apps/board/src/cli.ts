/**
 * The `graflow-board` command line: every flag, its environment variable and its help text in one
 * table. Values are read here (strings to numbers, TLS files to their contents); defaults and
 * validation stay in `resolveBoardOptions`.
 */
import { readFileSync } from 'node:fs';
import { RUN_OPTION_DEFAULTS } from '@graflow/core';
import { LOG_LEVELS, type LogLevel } from '@graflow/worker';
import yargs from 'yargs';
import { BOARD_DEFAULTS, BoardOptionError, resolveBoardOptions, type BoardOptions, type BoardTlsOptions, type OptionSources, type ResolvedBoardOptions } from './options';

interface FlagSpec {
  type: 'string' | 'boolean';
  describe: string;
  /** Read when the flag is absent; the flag wins, and an empty variable counts as unset. */
  env?: string;
  shownDefault?: string;
  group: string;
}

const DEFAULT_LOG_LEVEL: LogLevel = 'info';
const REDIS = 'Redis (the same flags and variables as graflow-worker):';
const BOARD = 'Board:';

const FLAGS = {
  'redis-host': { type: 'string', env: 'REDIS_HOST', group: REDIS, shownDefault: RUN_OPTION_DEFAULTS.redis.host, describe: 'Redis host (a seed node with --redis-cluster)' },
  'redis-port': { type: 'string', env: 'REDIS_PORT', group: REDIS, shownDefault: String(RUN_OPTION_DEFAULTS.redis.port), describe: 'Redis port' },
  'redis-url': { type: 'string', env: 'REDIS_URL', group: REDIS, describe: 'redis:// or rediss:// URL with its credentials, instead of host, port, user and password' },
  'redis-username': { type: 'string', env: 'REDIS_USERNAME', group: REDIS, describe: 'Redis ACL user name' },
  'redis-password': { type: 'string', env: 'REDIS_PASSWORD', group: REDIS, describe: 'Redis password' },
  'redis-tls': { type: 'boolean', env: 'REDIS_TLS', group: REDIS, shownDefault: 'false', describe: 'Connect over TLS (the variable takes true/false, 1/0, yes/no)' },
  'redis-tls-ca': { type: 'string', env: 'REDIS_TLS_CA', group: REDIS, describe: 'PEM file of the CA that signed the Redis certificate; implies --redis-tls' },
  'redis-tls-cert': { type: 'string', env: 'REDIS_TLS_CERT', group: REDIS, describe: 'PEM file of the client certificate (with --redis-tls-key); implies --redis-tls' },
  'redis-tls-key': { type: 'string', env: 'REDIS_TLS_KEY', group: REDIS, describe: 'PEM file of the client key (with --redis-tls-cert)' },
  'redis-cluster': { type: 'boolean', group: REDIS, shownDefault: 'false', describe: 'The host and port are a seed node of a Redis Cluster; the key prefix then needs a {hash tag}, unless --redis-shards is above 1' },
  'redis-key-prefix': { type: 'string', env: 'REDIS_KEY_PREFIX', group: REDIS, shownDefault: BOARD_DEFAULTS.keyPrefix, describe: 'Namespace shown: every BullMQ queue under it (tasks, and pools such as gpu)' },
  'redis-shards': { type: 'string', env: 'REDIS_SHARDS', group: REDIS, shownDefault: String(RUN_OPTION_DEFAULTS.redis.shards), describe: "Shards of the namespace ({<prefix>-<i>-<salt>}), as its workers have them: every shard's queues are shown" },
  port: { type: 'string', env: 'BOARD_PORT', group: BOARD, shownDefault: String(BOARD_DEFAULTS.port), describe: 'HTTP port; 0 picks a free one' },
  host: { type: 'string', env: 'BOARD_HOST', group: BOARD, shownDefault: BOARD_DEFAULTS.host, describe: 'Listen address; 0.0.0.0 in a container' },
  'base-path': { type: 'string', group: BOARD, shownDefault: BOARD_DEFAULTS.basePath, describe: 'Where the board is mounted; / redirects there' },
  'read-only': { type: 'boolean', group: BOARD, shownDefault: 'false', describe: 'Hide the actions that change jobs (retry, clean, promote, remove)' },
  'connect-timeout': { type: 'string', group: BOARD, shownDefault: String(BOARD_DEFAULTS.connectTimeoutMs), describe: 'Milliseconds to wait for Redis at startup' },
  'queue-refresh': { type: 'string', group: BOARD, shownDefault: String(BOARD_DEFAULTS.queueRefreshMs), describe: 'Milliseconds between looks for new queues under the prefix' },
  'log-level': { type: 'string', group: BOARD, shownDefault: DEFAULT_LOG_LEVEL, describe: `Lowest level logged (JSON lines on stdout): ${LOG_LEVELS.join(', ')}` },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

/** Environment variables read when the matching flag is absent (a flag wins). */
export const BOARD_ENV: Readonly<Partial<Record<FlagName, string>>> = Object.freeze(
  Object.fromEntries(Object.entries(FLAGS).flatMap(([flag, spec]) => ('env' in spec ? [[flag, spec.env]] : []))),
);

/** What the command line asked for: run the board, or print the help text. */
export type BoardCommand = { kind: 'run'; options: ResolvedBoardOptions; logLevel: LogLevel } | { kind: 'help'; text: string };

/**
 * Parses `graflow-board` arguments (strict: an unknown flag is an error) with the environment as
 * fallback. Never exits the process: a bad argument throws `BoardOptionError` naming the flag (or
 * the variable) and the value, and `--help` comes back as text.
 */
export async function parseBoardArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<BoardCommand> {
  const parser = yargs([...argv])
    .scriptName('graflow-board')
    .usage('$0 [options]\n\nServes Bull Board over every BullMQ queue of one Graflow key prefix, with parallel groups as flows\nand branch results decoded. http://<host>:<port>/ redirects to the board.')
    .parserConfiguration({ 'camel-case-expansion': false })
    .help(false)
    .strict()
    .version(false)
    .exitProcess(false)
    .wrap(110)
    .epilogue('A flag wins over its environment variable; an empty variable counts as unset.')
    .fail((msg, err) => {
      throw err ?? new BoardOptionError('arguments', argv.join(' '), msg);
    });
  for (const [flag, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    parser.option(flag, {
      type: spec.type,
      group: spec.group,
      describe: spec.env ? `${spec.describe} [env ${spec.env}]` : spec.describe,
      ...(spec.shownDefault !== undefined ? { defaultDescription: spec.shownDefault } : {}),
    });
  }
  parser.option('help', { alias: 'h', type: 'boolean', describe: 'Show this help' });
  const args = parser.parseSync() as Record<string, unknown>;
  if (args.help) return { kind: 'help', text: await parser.getHelp() };
  const read = new RawArgs(args, env);
  const options: BoardOptions = {
    redis: {
      host: read.text('redis-host'),
      port: read.integer('redis-port'),
      url: read.text('redis-url'),
      username: read.text('redis-username'),
      password: read.text('redis-password'),
      tls: read.tls(),
      cluster: read.boolean('redis-cluster'),
      shards: read.integer('redis-shards'),
    },
    keyPrefix: read.text('redis-key-prefix'),
    port: read.integer('port'),
    host: read.text('host'),
    basePath: read.text('base-path'),
    readOnly: read.boolean('read-only'),
    connectTimeoutMs: read.integer('connect-timeout'),
    queueRefreshMs: read.integer('queue-refresh'),
  };
  const logLevel = read.text('log-level') ?? DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new BoardOptionError(read.sources['--log-level'] ?? '--log-level', logLevel, `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return { kind: 'run', options: resolveBoardOptions(dropUndefined(options), read.sources), logLevel: logLevel as LogLevel };
}

/** Flag values, else environment values, remembering which variable each came from. */
class RawArgs {
  /** `--port` -> `BOARD_PORT` for values read from the environment. */
  readonly sources: OptionSources = {};

  constructor(
    private readonly args: Record<string, unknown>,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private raw(flag: FlagName): { value: unknown; source: string } | undefined {
    const fromFlag = this.args[flag];
    // A repeated flag yields an array; the last one wins.
    if (fromFlag !== undefined) return { value: Array.isArray(fromFlag) ? fromFlag[fromFlag.length - 1] : fromFlag, source: `--${flag}` };
    const variable = BOARD_ENV[flag];
    const fromEnv = variable ? this.env[variable] : undefined;
    if (variable === undefined || fromEnv === undefined || fromEnv === '') return undefined;
    this.sources[`--${flag}`] = variable;
    return { value: fromEnv, source: variable };
  }

  text(flag: FlagName): string | undefined {
    const raw = this.raw(flag);
    if (!raw) return undefined;
    const text = String(raw.value).trim();
    if (text === '') throw new BoardOptionError(raw.source, raw.value, 'expected a non-empty value');
    return text;
  }

  integer(flag: FlagName): number | undefined {
    const raw = this.raw(flag);
    if (!raw) return undefined;
    const text = String(raw.value).trim();
    if (!/^\d+$/.test(text)) throw new BoardOptionError(raw.source, raw.value, 'expected an integer');
    return Number(text);
  }

  boolean(flag: FlagName): boolean | undefined {
    const raw = this.raw(flag);
    if (!raw) return undefined;
    if (typeof raw.value === 'boolean') return raw.value;
    const text = String(raw.value).trim().toLowerCase();
    if (['true', '1', 'yes'].includes(text)) return true;
    if (['false', '0', 'no'].includes(text)) return false;
    throw new BoardOptionError(raw.source, raw.value, 'expected true or false');
  }

  /** `--redis-tls`, or the contents of the CA, certificate and key files when any is given. */
  tls(): boolean | BoardTlsOptions | undefined {
    const files: BoardTlsOptions = {};
    for (const [flag, field] of [['redis-tls-ca', 'ca'], ['redis-tls-cert', 'cert'], ['redis-tls-key', 'key']] as const) {
      const path = this.text(flag);
      if (path !== undefined) files[field] = readPem(this.raw(flag)!.source, path);
    }
    const on = this.boolean('redis-tls');
    if (Object.keys(files).length === 0) return on;
    if (on === false) throw new BoardOptionError(this.raw('redis-tls')!.source, false, 'conflicts with the TLS files given (--redis-tls-ca, --redis-tls-cert, --redis-tls-key)');
    return files;
  }
}

function readPem(source: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new BoardOptionError(source, path, `cannot read the file (${code})`);
  }
}

function dropUndefined(options: BoardOptions): BoardOptions {
  const redis = Object.fromEntries(Object.entries(options.redis ?? {}).filter(([, v]) => v !== undefined));
  const rest = Object.fromEntries(Object.entries(options).filter(([k, v]) => k !== 'redis' && v !== undefined));
  return { ...rest, redis };
}
