import { hostname } from 'node:os';
import yargs from 'yargs';
import { RUN_OPTION_DEFAULTS } from '@graflow/core';
import { DEFAULT_QUEUE, assertQueueName } from '@graflow/core/redis';
import type { RedisConnectionOptions } from '../task-worker-api';
import { TASK_WORKER_DEFAULTS } from '../task-worker-options';
import { LOG_LEVELS, type LogLevel } from '../logging/json-logger';
import { CliUsageError } from './errors';
import { FlagReader, collectFlagInput, declareFlags, type FlagSpec, type RawFlagInput } from './flags';
import { REDIS_FLAGS, resolveRedisFlags } from './redis-flags';

/**
 * The one place that knows the command line: every flag, its environment variable, its default
 * and its validation. `--help` and the README's flag table are generated from the same table, so
 * the documented defaults are the applied ones.
 */

/** Defaults of the resolved options, in the units of the flags. */
export const DEFAULTS = {
  redisHost: RUN_OPTION_DEFAULTS.redis.host,
  redisPort: RUN_OPTION_DEFAULTS.redis.port,
  keyPrefix: RUN_OPTION_DEFAULTS.redis.keyPrefix,
  concurrency: TASK_WORKER_DEFAULTS.concurrency,
  gracefulShutdownTimeoutS: TASK_WORKER_DEFAULTS.gracefulShutdownTimeoutMs / 1000,
  lockDurationMs: TASK_WORKER_DEFAULTS.lockDurationMs,
  stalledIntervalMs: TASK_WORKER_DEFAULTS.stalledIntervalMs,
  maxStalledCount: TASK_WORKER_DEFAULTS.maxStalledCount,
  metricsPort: 9464,
  metricsHost: '0.0.0.0',
  logLevel: 'info' as LogLevel,
  queues: [DEFAULT_QUEUE] as readonly string[],
} as const;

const WORKER = 'Worker:';
const OPS = 'Operations:';

const WORKER_FLAGS = {
  'worker-id': { type: 'string', arg: 'id', env: 'WORKER_ID', group: WORKER, shownDefault: '<hostname>-<pid>', describe: 'Names this worker in logs and in BullMQ' },
  tasks: { type: 'array', arg: 'module', env: 'GRAFLOW_TASKS', group: WORKER, describe: 'Task module to load: a path (relative to the working directory) or a package name; repeatable. The variable takes a list separated by "," or the path delimiter (":" on Linux and macOS)' },
  queues: { type: 'array', arg: 'queue,...', env: 'GRAFLOW_QUEUES', group: WORKER, shownDefault: DEFAULT_QUEUE, describe: 'BullMQ queues served (the exporter reports their depth): repeatable or comma-separated, e.g. --queues tasks,gpu. A task runs only on workers serving its queue; group finalization runs on "tasks"' },
  concurrency: { type: 'string', arg: 'n', env: 'MAX_CONCURRENT_TASKS', group: WORKER, shownDefault: String(DEFAULTS.concurrency), describe: 'Jobs processed at once' },
  'graceful-shutdown-timeout': { type: 'string', arg: 'seconds', env: 'GRACEFUL_SHUTDOWN_TIMEOUT', group: WORKER, shownDefault: `${DEFAULTS.gracefulShutdownTimeoutS}`, describe: 'Seconds in-flight tasks get to finish after SIGTERM/SIGINT before they are aborted' },
  'lock-duration': { type: 'string', arg: 'ms', group: WORKER, shownDefault: String(DEFAULTS.lockDurationMs), describe: "BullMQ lock duration in ms; a dead worker's jobs are re-run after it lapses" },
  'stalled-interval': { type: 'string', arg: 'ms', group: WORKER, shownDefault: String(DEFAULTS.stalledIntervalMs), describe: 'How often BullMQ checks for stalled jobs, in ms' },
  'max-stalled-count': { type: 'string', arg: 'n', env: 'GRAFLOW_MAX_STALLED_COUNT', group: WORKER, shownDefault: String(DEFAULTS.maxStalledCount), describe: 'How many times a branch is re-run after its worker died before it fails as stalled too often' },
  'max-payload-bytes': { type: 'string', arg: 'bytes', env: 'GRAFLOW_MAX_PAYLOAD_BYTES', group: WORKER, shownDefault: "none: each job's limit", describe: "Ceiling on a branch value or channel write this worker stores, in bytes; each job's own limit (the producer's maxPayloadBytes) applies below it" },
} as const satisfies Record<string, FlagSpec>;

const OPS_FLAGS = {
  'metrics-port': { type: 'string', arg: 'port', env: 'METRICS_PORT', group: OPS, shownDefault: String(DEFAULTS.metricsPort), describe: 'Port of /metrics, /healthz and /readyz; 0 disables the HTTP server. When the flag and METRICS_PORT are both unset and 9464 is taken (another worker on the host), a free port is used and logged; a port you set is used or start-up fails' },
  'metrics-host': { type: 'string', arg: 'address', group: OPS, shownDefault: DEFAULTS.metricsHost, describe: 'Address the HTTP server binds to' },
  'log-level': { type: 'string', arg: 'level', group: OPS, shownDefault: DEFAULTS.logLevel, describe: `Lowest level logged: ${LOG_LEVELS.join(', ')}` },
  'exporter-only': { type: 'boolean', group: OPS, shownDefault: 'false', describe: 'Serve only the queue-depth metric and the probes (for an HPA); needs no task modules' },
} as const satisfies Record<string, FlagSpec>;

/** Every flag of `graflow-worker` (and `graflow-exporter`), in `--help` order. */
export const WORKER_CLI_FLAGS = { ...WORKER_FLAGS, ...REDIS_FLAGS, ...OPS_FLAGS } as const;

type FlagName = keyof typeof WORKER_CLI_FLAGS;

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
  maxStalledCount: number;
  /** The worker's ceiling on stored values; undefined: each job's own limit applies. */
  maxPayloadBytes?: number;
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
  declareFlags(parser, WORKER_CLI_FLAGS);
  const { argv: parsed, output } = await new Promise<{ argv: Record<string, unknown>; output: string }>((resolve, reject) => {
    void parser.parse([...argv], {}, (err, args, text) => {
      if (err) reject(new CliUsageError(err.message.split('\n', 1)[0]));
      else resolve({ argv: args as Record<string, unknown>, output: text });
    });
  });
  if (parsed.help) return { kind: 'help', text: output };
  const input: RawCliInput = collectFlagInput(parsed, env, WORKER_CLI_FLAGS);
  if (program.exporterOnly) input['exporter-only'] = { value: true, source: program.scriptName };
  return { kind: 'options', options: resolveWorkerCliOptions(input) };
}

/** A raw value and where it came from, so errors name the flag or the variable. */
export type RawCliInput = RawFlagInput<FlagName>;

/** Applies the defaults and validates; throws `CliUsageError` naming the flag and the value. */
export function resolveWorkerCliOptions(input: RawCliInput): ResolvedWorkerCliOptions {
  const read = new FlagReader<FlagName>(input);
  const mode = read.boolean('exporter-only') ? 'exporter' : 'worker';
  const taskModules = read.list('tasks');
  if (mode === 'worker' && taskModules.length === 0) {
    throw new CliUsageError('missing --tasks (or GRAFLOW_TASKS): name at least one module that registers tasks');
  }
  const chosenPort = read.integer('metrics-port', 0, 65_535);
  const metricsPort = chosenPort ?? DEFAULTS.metricsPort;
  const maxPayloadBytes = read.integer('max-payload-bytes', 1, Number.MAX_SAFE_INTEGER);
  return {
    mode,
    workerId: read.text('worker-id') ?? `${hostname()}-${process.pid}`,
    ...resolveRedisFlags(input),
    taskModules: mode === 'worker' ? taskModules : [],
    queues: queueNames(read) ?? [...DEFAULTS.queues],
    concurrency: read.integer('concurrency', 1, 10_000) ?? DEFAULTS.concurrency,
    gracefulShutdownTimeoutMs: Math.round((read.seconds('graceful-shutdown-timeout') ?? DEFAULTS.gracefulShutdownTimeoutS) * 1000),
    lockDurationMs: read.integer('lock-duration', 100, 2 ** 31 - 1) ?? DEFAULTS.lockDurationMs,
    stalledIntervalMs: read.integer('stalled-interval', 100, 2 ** 31 - 1) ?? DEFAULTS.stalledIntervalMs,
    maxStalledCount: read.integer('max-stalled-count', 1, 1_000_000) ?? DEFAULTS.maxStalledCount,
    ...(maxPayloadBytes !== undefined ? { maxPayloadBytes } : {}),
    http: metricsPort === 0 ? null : { host: read.text('metrics-host') ?? DEFAULTS.metricsHost, port: metricsPort, portChosen: chosenPort !== undefined },
    logLevel: read.oneOf('log-level', LOG_LEVELS) ?? DEFAULTS.logLevel,
  };
}

/** `--queues`, repeated or comma-separated, without duplicates. */
function queueNames(read: FlagReader<FlagName>): string[] | undefined {
  const given = read.commaList('queues');
  if (!given) return undefined;
  for (const queue of given.values) {
    try {
      assertQueueName(queue, given.source);
    } catch {
      throw read.invalid(given.source, queue, 'queue names of 1 to 64 letters, digits, "_" or "-", separated by ","');
    }
  }
  return [...new Set(given.values)];
}
