import { InvalidOptionError } from '../errors';
import { assertOptionsObject, integerOption } from './validate';
import type { GraflowClient } from '../distributed/producer/graflow-client';
import type { RunEvent } from '../events/run-event';
import { resolveClientOptions, type ResolvedClientOptions } from './client-options';
import { resolveRedisConfig, type RedisConfig, type ResolvedRedisConfig } from './redis-config';
import { RUN_OPTION_DEFAULTS, type Backend } from './run-defaults';

/** Redis' largest string (proto-max-bulk-len's default): no value can be stored past it. */
const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

export { RUN_OPTION_DEFAULTS } from './run-defaults';
export type { Backend } from './run-defaults';

export { MAX_SHARDS, REDIS_CONFIG_DEFAULTS, resolveRedisConfig } from './redis-config';
export type { RedisConfig, RedisTlsOptions, ResolvedRedisConfig } from './redis-config';


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
  /**
   * Called with each progress event of the run, in order: run started and finished, task started
   * and finished (node id, worker id, duration), group dispatched, progress (done / total) and
   * decided. On Redis the events go through the run's capped event stream (workers write them),
   * and `run()` resolves once the last one was delivered. Exceptions it throws are ignored.
   * Not for `submit()`: read `RunHandle.events()` there. @defaultValue none: no events are kept
   */
  onEvent?: (event: RunEvent) => void;
}

/** Options of `workflow.submit()`: those of `run()`, where Redis is required (it defaults like `connect()`). */
export type SubmitOptions = Omit<RunOptions, 'onEvent'>;

/** Options of `getRun()`: where the run lives (a `config`, or a `client` from `connect()`). */
export type GetRunOptions = Pick<RunOptions, 'config' | 'client' | 'connectTimeoutMs' | 'redisUnavailableTimeoutMs'>;

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
  onEvent?: (event: RunEvent) => void;
}


const KNOWN = [
  'startNode', 'channelBackend', 'queueBackend', 'config', 'client', 'runId', 'noWorkerTimeoutMs', 'runTtlSeconds', 'maxPayloadBytes',
  'connectTimeoutMs', 'redisUnavailableTimeoutMs', 'graph', 'onEvent',
];
const GET_RUN_KEYS = ['config', 'client', 'connectTimeoutMs', 'redisUnavailableTimeoutMs'];
const RUN_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** A client from `connect()` (checked by shape: the class is loaded lazily, with Redis). */
function isClient(value: unknown): value is GraflowClient {
  return typeof value === 'object' && value !== null && typeof (value as GraflowClient).openRun === 'function' && typeof (value as GraflowClient).close === 'function';
}

function backend(name: string, value: unknown): Backend | undefined {
  if (value === undefined) return undefined;
  if (value !== 'memory' && value !== 'redis') throw new InvalidOptionError(name, value, "'memory' or 'redis'");
  return value;
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
    noWorkerTimeoutMs: integerOption('noWorkerTimeoutMs', options.noWorkerTimeoutMs, RUN_OPTION_DEFAULTS.noWorkerTimeoutMs, 1),
    runTtlSeconds: integerOption('runTtlSeconds', options.runTtlSeconds, RUN_OPTION_DEFAULTS.runTtlSeconds, 1),
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
  if (options.runId !== undefined) out.runId = assertRunId(options.runId);
  if (options.onEvent !== undefined) {
    if (typeof options.onEvent !== 'function') throw new InvalidOptionError('onEvent', options.onEvent, 'a function (event) => void');
    out.onEvent = options.onEvent;
  }
  if (!options.client && (options.config !== undefined || queueBackend === 'redis' || channelBackend === 'redis')) {
    out.redis = resolveRedisConfig(options.config);
  }
  return out;
}

/** A run id as options and `getRun()` accept it; throws an error naming `option` otherwise. */
export function assertRunId(runId: unknown, option = 'runId'): string {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) throw new InvalidOptionError(option, runId, 'letters, digits, _ . - (at most 128)');
  return runId;
}

/** Defaults and validation of `submit()`'s options: those of `run()`, always on Redis. */
export function resolveSubmitOptions(options: SubmitOptions = {}): ResolvedRunOptions {
  const given = options as RunOptions;
  if (given.onEvent !== undefined) throw new InvalidOptionError('onEvent', given.onEvent, 'nothing for submit(): follow the run with handle.events()');
  for (const name of ['queueBackend', 'channelBackend'] as const) {
    if (options[name] !== undefined && options[name] !== 'redis') throw new InvalidOptionError(name, options[name], "'redis' for submit() (a submitted run runs on workers)");
  }
  return resolveRunOptions({ ...options, queueBackend: 'redis' });
}

/** Validation of `getRun()`'s options: where the run lives, and how to connect. */
export function resolveGetRunOptions(options: GetRunOptions = {}): Pick<ResolvedRunOptions, 'client' | 'redis' | 'clientOptions'> {
  for (const key of Object.keys(options)) {
    if (!GET_RUN_KEYS.includes(key)) throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `one of ${GET_RUN_KEYS.join(', ')}`);
  }
  const { client, redis, clientOptions } = resolveRunOptions({ ...options, queueBackend: 'redis' });
  return { ...(client ? { client } : {}), ...(redis ? { redis } : {}), clientOptions };
}
