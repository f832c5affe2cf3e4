import { hostname } from 'node:os';
import { delimiter } from 'node:path';
import yargs from 'yargs';
import { DEFAULT_QUEUE, assertQueueName } from '@graflow/core/redis';
import type { RedisConnectionOptions } from '../task-worker-api';
import { LOG_LEVELS, type LogLevel } from '../logging/json-logger';
import { CliUsageError } from './errors';

/**
 * The one place that knows the command line: every flag, its environment variable, its default
 * and its validation. `--help` is generated from the same table, so the documented defaults are
 * the applied ones.
 */

type FlagType = 'string' | 'boolean' | 'array';

interface FlagSpec {
  type: FlagType;
  describe: string;
  /** Environment variable read when the flag is absent; the flag wins. */
  env?: string;
  /** Shown in `--help` as the default; `resolveWorkerCliOptions()` applies `DEFAULTS`. */
  shownDefault?: string;
  group: string;
}

/** Defaults of the resolved options, in the units of the flags. */
export const DEFAULTS = {
  redisHost: '127.0.0.1',
  redisPort: 6379,
  keyPrefix: 'graflow',
  concurrency: 4,
  gracefulShutdownTimeoutS: 30,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  metricsPort: 9464,
  metricsHost: '0.0.0.0',
  logLevel: 'info' as LogLevel,
  queues: [DEFAULT_QUEUE] as readonly string[],
} as const;

const REDIS = 'Redis:';
const WORKER = 'Worker:';
const OPS = 'Operations:';

const FLAGS = {
  'worker-id': { type: 'string', env: 'WORKER_ID', group: WORKER, shownDefault: '<hostname>-<pid>', describe: 'Names this worker in logs and in BullMQ' },
  tasks: { type: 'array', env: 'GRAFLOW_TASKS', group: WORKER, describe: `Task module to load: a path (relative to the working directory) or a package name; repeatable. The variable takes a list separated by "," or "${delimiter}"` },
  queues: { type: 'array', env: 'GRAFLOW_QUEUES', group: WORKER, shownDefault: DEFAULT_QUEUE, describe: 'BullMQ queues served (the exporter reports their depth): repeatable or comma-separated, e.g. --queues tasks,gpu. A task runs only on workers serving its queue; group finalization runs on "tasks"' },
  concurrency: { type: 'string', env: 'MAX_CONCURRENT_TASKS', group: WORKER, shownDefault: String(DEFAULTS.concurrency), describe: 'Jobs processed at once' },
  'graceful-shutdown-timeout': { type: 'string', env: 'GRACEFUL_SHUTDOWN_TIMEOUT', group: WORKER, shownDefault: `${DEFAULTS.gracefulShutdownTimeoutS}`, describe: 'Seconds in-flight tasks get to finish after SIGTERM/SIGINT before they are aborted' },
  'lock-duration': { type: 'string', group: WORKER, shownDefault: String(DEFAULTS.lockDurationMs), describe: "BullMQ lock duration in ms; a dead worker's jobs are re-run after it lapses" },
  'stalled-interval': { type: 'string', group: WORKER, shownDefault: String(DEFAULTS.stalledIntervalMs), describe: 'How often BullMQ checks for stalled jobs, in ms' },
  'redis-host': { type: 'string', env: 'REDIS_HOST', group: REDIS, shownDefault: DEFAULTS.redisHost, describe: 'Redis host' },
  'redis-port': { type: 'string', env: 'REDIS_PORT', group: REDIS, shownDefault: String(DEFAULTS.redisPort), describe: 'Redis port' },
  'redis-url': { type: 'string', env: 'REDIS_URL', group: REDIS, describe: 'redis:// or rediss:// URL; replaces --redis-host and --redis-port' },
  'redis-username': { type: 'string', group: REDIS, describe: 'Redis ACL user name' },
  'redis-password': { type: 'string', env: 'REDIS_PASSWORD', group: REDIS, describe: 'Redis password' },
  'redis-tls': { type: 'boolean', group: REDIS, shownDefault: 'false', describe: 'Connect to Redis over TLS' },
  'redis-cluster': { type: 'boolean', group: REDIS, shownDefault: 'false', describe: 'The host and port are a seed node of a Redis Cluster; the key prefix then needs a {hash tag}' },
  'redis-key-prefix': { type: 'string', env: 'REDIS_KEY_PREFIX', group: REDIS, shownDefault: DEFAULTS.keyPrefix, describe: 'Namespace of every key; producers and workers must use the same one' },
  'metrics-port': { type: 'string', env: 'METRICS_PORT', group: OPS, shownDefault: String(DEFAULTS.metricsPort), describe: 'Port of /metrics, /healthz and /readyz; 0 disables the HTTP server. When the flag and METRICS_PORT are both unset and 9464 is taken (another worker on the host), a free port is used and logged; a port you set is used or start-up fails' },
  'metrics-host': { type: 'string', group: OPS, shownDefault: DEFAULTS.metricsHost, describe: 'Address the HTTP server binds to' },
  'log-level': { type: 'string', group: OPS, shownDefault: DEFAULTS.logLevel, describe: `Lowest level logged: ${LOG_LEVELS.join(', ')}` },
  'exporter-only': { type: 'boolean', group: OPS, shownDefault: 'false', describe: 'Serve only the queue-depth metric and /healthz (for an HPA); needs no task modules' },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

/** What the worker and the exporter run with; durations are in milliseconds. */
export interface ResolvedWorkerCliOptions {
  mode: 'worker' | 'exporter';
  workerId: string;
  redis: RedisConnectionOptions;
  keyPrefix: string;
  /** As given on the command line or in GRAFLOW_TASKS; empty in exporter mode. */
  taskModules: string[];
  /** The BullMQ queues the worker serves, or whose depth the exporter reports; no duplicates. */
  queues: string[];
  concurrency: number;
  gracefulShutdownTimeoutMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /**
   * Null when `--metrics-port 0` disables the HTTP server. `portChosen` is false when the port is
   * the default: then a port already in use (a second worker on the host) falls back to a free one.
   */
  http: { host: string; port: number; portChosen: boolean } | null;
  logLevel: LogLevel;
}

export type CliParseResult =
  | { kind: 'help'; text: string }
  | { kind: 'options'; options: ResolvedWorkerCliOptions };

export interface CliProgram {
  /** `graflow-worker` or `graflow-exporter`; the exporter always runs in exporter mode. */
  scriptName: string;
  exporterOnly?: boolean;
}

/** Parses argv and the environment into resolved options, or the `--help` text. */
export async function parseWorkerCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  program: CliProgram = { scriptName: 'graflow-worker' },
): Promise<CliParseResult> {
  const parser = yargs()
    .scriptName(program.scriptName)
    .usage('$0 [options]')
    .strict()
    .parserConfiguration({ 'camel-case-expansion': false })
    .version(false)
    .help('help')
    .alias('help', 'h')
    .wrap(Math.min(120, process.stdout.columns ?? 120))
    .epilogue('A flag wins over its environment variable. Durations: --graceful-shutdown-timeout in seconds, --lock-duration and --stalled-interval in ms.');
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    parser.option(name, {
      type: spec.type,
      group: spec.group,
      describe: spec.env ? `${spec.describe} [env: ${spec.env}]` : spec.describe,
      ...(spec.shownDefault !== undefined ? { defaultDescription: spec.shownDefault } : {}),
    });
  }
  const { argv: parsed, output } = await new Promise<{ argv: Record<string, unknown>; output: string }>((resolve, reject) => {
    void parser.parse([...argv], {}, (err, args, text) => {
      if (err) reject(new CliUsageError(err.message.split('\n', 1)[0]));
      else resolve({ argv: args as Record<string, unknown>, output: text });
    });
  });
  if (parsed.help) return { kind: 'help', text: output };
  const input: RawCliInput = {};
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) {
    const fromFlag = parsed[name];
    if (fromFlag !== undefined) input[name] = { value: fromFlag as RawValue, source: `--${name}` };
    else if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') {
      input[name] = { value: env[spec.env]!, source: `--${name} (from ${spec.env})` };
    }
  }
  if (program.exporterOnly) input['exporter-only'] = { value: true, source: program.scriptName };
  return { kind: 'options', options: resolveWorkerCliOptions(input) };
}

type RawValue = string | boolean | (string | number)[];

/** A raw value and where it came from, so errors name the flag or the variable. */
export type RawCliInput = Partial<Record<FlagName, { value: RawValue; source: string }>>;

/** Applies the defaults and validates; throws `CliUsageError` naming the flag and the value. */
export function resolveWorkerCliOptions(input: RawCliInput): ResolvedWorkerCliOptions {
  const read = new Reader(input);
  const mode = read.boolean('exporter-only') ? 'exporter' : 'worker';
  const taskModules = read.list('tasks');
  if (mode === 'worker' && taskModules.length === 0) {
    throw new CliUsageError('missing --tasks (or GRAFLOW_TASKS): name at least one module that registers tasks');
  }
  const chosenPort = read.integer('metrics-port', 0, 65_535);
  const metricsPort = chosenPort ?? DEFAULTS.metricsPort;
  return {
    mode,
    workerId: read.text('worker-id') ?? `${hostname()}-${process.pid}`,
    redis: resolveRedis(read),
    keyPrefix: resolveKeyPrefix(read),
    taskModules: mode === 'worker' ? taskModules : [],
    queues: read.queueNames('queues') ?? [...DEFAULTS.queues],
    concurrency: read.integer('concurrency', 1, 10_000) ?? DEFAULTS.concurrency,
    gracefulShutdownTimeoutMs: Math.round((read.seconds('graceful-shutdown-timeout') ?? DEFAULTS.gracefulShutdownTimeoutS) * 1000),
    lockDurationMs: read.integer('lock-duration', 1, 2 ** 31 - 1) ?? DEFAULTS.lockDurationMs,
    stalledIntervalMs: read.integer('stalled-interval', 1, 2 ** 31 - 1) ?? DEFAULTS.stalledIntervalMs,
    http: metricsPort === 0 ? null : { host: read.text('metrics-host') ?? DEFAULTS.metricsHost, port: metricsPort, portChosen: chosenPort !== undefined },
    logLevel: read.oneOf('log-level', LOG_LEVELS) ?? DEFAULTS.logLevel,
  };
}

function resolveRedis(read: Reader): RedisConnectionOptions {
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
  const tls = read.boolean('redis-tls') || url?.startsWith('rediss:') === true;
  return {
    ...(url !== undefined ? { url } : { host: host ?? DEFAULTS.redisHost, port: port ?? DEFAULTS.redisPort }),
    ...optional('username', read.text('redis-username')),
    ...optional('password', read.text('redis-password')),
    ...(tls ? { tls } : {}),
    ...(cluster ? { cluster } : {}),
  };
}

function resolveKeyPrefix(read: Reader): string {
  const keyPrefix = read.text('redis-key-prefix', /^\S+$/, 'a prefix without spaces') ?? DEFAULTS.keyPrefix;
  if (read.boolean('redis-cluster') && !/\{[^}]+\}/.test(keyPrefix)) {
    // BullMQ flows and the barrier's multi-key scripts need the whole namespace in one hash slot.
    const source = read.sourceOf('redis-key-prefix') ?? '--redis-key-prefix (default)';
    throw new CliUsageError(`invalid value for ${source}: ${JSON.stringify(keyPrefix)} (expected a {hash tag} with --redis-cluster, e.g. "{myapp}:workflows")`);
  }
  return keyPrefix;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Typed access to the raw input; every failure names the flag (or variable) and the value. */
class Reader {
  constructor(private readonly input: RawCliInput) {}

  sourceOf(name: FlagName): string | undefined {
    return this.input[name]?.source;
  }

  private scalar(name: FlagName): { text: string; source: string } | undefined {
    const entry = this.input[name];
    if (!entry) return undefined;
    // A repeated scalar flag yields an array; the last occurrence wins.
    const value = Array.isArray(entry.value) ? entry.value[entry.value.length - 1] : entry.value;
    return { text: String(value ?? '').trim(), source: entry.source };
  }

  private invalid(source: string, text: string, expected: string): CliUsageError {
    return new CliUsageError(`invalid value for ${source}: ${JSON.stringify(text)} (expected ${expected})`);
  }

  text(name: FlagName, pattern = /^.+$/, expected = 'a non-empty value'): string | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    if (!pattern.test(raw.text)) throw this.invalid(raw.source, raw.text, expected);
    return raw.text;
  }

  integer(name: FlagName, min: number, max: number): number | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    const value = /^\d+$/.test(raw.text) ? Number(raw.text) : NaN;
    if (!(value >= min && value <= max)) throw this.invalid(raw.source, raw.text, `an integer from ${min} to ${max}`);
    return value;
  }

  seconds(name: FlagName): number | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    const value = /^\d+(\.\d+)?$/.test(raw.text) ? Number(raw.text) : NaN;
    if (!(value >= 0 && value <= 2_000_000)) throw this.invalid(raw.source, raw.text, 'a number of seconds >= 0');
    return value;
  }

  oneOf<T extends string>(name: FlagName, allowed: readonly T[]): T | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    if (!(allowed as readonly string[]).includes(raw.text)) throw this.invalid(raw.source, raw.text, `one of ${allowed.join(', ')}`);
    return raw.text as T;
  }

  boolean(name: FlagName): boolean {
    const entry = this.input[name];
    return entry?.value === true;
  }

  /** A repeatable flag of queue names, each occurrence (or the variable) split on commas. */
  queueNames(name: FlagName): string[] | undefined {
    const entry = this.input[name];
    if (!entry) return undefined;
    const given = Array.isArray(entry.value) ? entry.value.map(String) : [String(entry.value)];
    const names = given.flatMap((value) => value.split(',')).map((part) => part.trim());
    for (const queue of names) {
      try {
        assertQueueName(queue, entry.source);
      } catch {
        throw this.invalid(entry.source, queue, 'queue names of 1 to 64 letters, digits, "_" or "-", separated by ","');
      }
    }
    return [...new Set(names)];
  }

  /** A repeatable flag, or its variable split on commas and the path delimiter. */
  list(name: FlagName): string[] {
    const entry = this.input[name];
    if (!entry) return [];
    const parts = Array.isArray(entry.value) ? entry.value.map(String) : String(entry.value).split(new RegExp(`[,${delimiter}]`));
    return parts.map((part) => part.trim()).filter((part) => part.length > 0);
  }
}
