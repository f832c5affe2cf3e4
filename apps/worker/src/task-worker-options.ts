import { InvalidOptionError, RUN_OPTION_DEFAULTS, type RedisConfig } from '@graflow/core';
import { assertQueueName, DEFAULT_QUEUE, integerOption as int } from '@graflow/core/redis';
import type { Logger, TaskWorkerOptions } from './task-worker-api';

export interface ResolvedTaskWorkerOptions {
  workerId: string;
  redis: Omit<RedisConfig, 'keyPrefix'>;
  keyPrefix: string;
  concurrency: number;
  queues: string[];
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  gracefulShutdownTimeoutMs: number;
  /** Undefined: no ceiling of the worker's own, each job's limit applies. */
  maxPayloadBytes?: number;
  logger?: Logger;
  taskModules: string[];
}

/**
 * The defaults of `TaskWorkerOptions`, in one place (the TSDoc of `TaskWorkerOptions` repeats
 * them for readers of the types; a test keeps the two equal). The CLI's defaults come from here.
 */
export const TASK_WORKER_DEFAULTS = Object.freeze({
  keyPrefix: RUN_OPTION_DEFAULTS.redis.keyPrefix,
  concurrency: 4,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  /**
   * A worker dying mid-branch (OOM, node drain, SIGKILL) stalls its jobs; each is re-run up to
   * this many times, then failed and reported instead of taking down worker after worker.
   * @defaultValue 3
   */
  maxStalledCount: 3,
  gracefulShutdownTimeoutMs: 30_000,
});

const KNOWN: ReadonlySet<string> = new Set([
  ...Object.keys(TASK_WORKER_DEFAULTS),
  'workerId', 'redis', 'queues', 'maxPayloadBytes', 'logger', 'taskModules',
]);

/** Validates `TaskWorkerOptions` and fills the defaults; unknown keys are refused. */
export function resolveTaskWorkerOptions(options: TaskWorkerOptions, defaultWorkerId: string): ResolvedTaskWorkerOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `one of ${[...KNOWN].join(', ')}`);
  }
  const d = TASK_WORKER_DEFAULTS;
  const keyPrefix = options.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string' || keyPrefix === '') throw new InvalidOptionError('keyPrefix', keyPrefix, 'a non-empty string');
  const workerId = options.workerId ?? defaultWorkerId;
  if (typeof workerId !== 'string' || workerId === '') throw new InvalidOptionError('workerId', workerId, 'a non-empty string');
  const out: ResolvedTaskWorkerOptions = {
    workerId,
    redis: { ...(options.redis ?? {}) },
    keyPrefix,
    concurrency: int('concurrency', options.concurrency, d.concurrency, 1),
    queues: resolveQueues(options.queues),
    lockDurationMs: int('lockDurationMs', options.lockDurationMs, d.lockDurationMs, 100),
    stalledIntervalMs: int('stalledIntervalMs', options.stalledIntervalMs, d.stalledIntervalMs, 100),
    maxStalledCount: int('maxStalledCount', options.maxStalledCount, d.maxStalledCount, 1),
    gracefulShutdownTimeoutMs: int('gracefulShutdownTimeoutMs', options.gracefulShutdownTimeoutMs, d.gracefulShutdownTimeoutMs, 0),
    taskModules: [...(options.taskModules ?? [])],
  };
  if (options.maxPayloadBytes !== undefined) out.maxPayloadBytes = int('maxPayloadBytes', options.maxPayloadBytes, 0, 1);
  if (options.logger) out.logger = options.logger;
  return out;
}

function resolveQueues(queues: unknown): string[] {
  if (queues === undefined) return [DEFAULT_QUEUE];
  if (!Array.isArray(queues) || queues.length === 0) throw new InvalidOptionError('queues', queues, 'a non-empty array of queue names');
  return [...new Set(queues.map((q, i) => assertQueueName(q, `queues[${i}]`)))];
}
