import { InvalidOptionError, RUN_OPTION_DEFAULTS, type RedisConfig } from '@graflow/core';
import { assertQueueName, DEFAULT_QUEUE } from '@graflow/core/redis';
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
  maxPayloadBytes: number;
  logger?: Logger;
  taskModules: string[];
}

/** The defaults of `TaskWorkerOptions`, in one place. */
export const TASK_WORKER_DEFAULTS = {
  keyPrefix: 'graflow',
  concurrency: 4,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  // A branch whose worker died twice is failed (and reported to its barrier), not retried forever.
  maxStalledCount: 2,
  gracefulShutdownTimeoutMs: 30_000,
  maxPayloadBytes: RUN_OPTION_DEFAULTS.maxPayloadBytes,
};

function int(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidOptionError(option, value, `an integer >= ${min}`);
  return value;
}

/** Validates `TaskWorkerOptions` and fills the defaults. */
export function resolveTaskWorkerOptions(options: TaskWorkerOptions, defaultWorkerId: string): ResolvedTaskWorkerOptions {
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
    maxStalledCount: d.maxStalledCount,
    gracefulShutdownTimeoutMs: int('gracefulShutdownTimeoutMs', options.gracefulShutdownTimeoutMs, d.gracefulShutdownTimeoutMs, 0),
    maxPayloadBytes: int('maxPayloadBytes', options.maxPayloadBytes, d.maxPayloadBytes, 1),
    taskModules: [...(options.taskModules ?? [])],
  };
  if (options.logger) out.logger = options.logger;
  return out;
}

function resolveQueues(queues: unknown): string[] {
  if (queues === undefined) return [DEFAULT_QUEUE];
  if (!Array.isArray(queues) || queues.length === 0) throw new InvalidOptionError('queues', queues, 'a non-empty array of queue names');
  return [...new Set(queues.map((q, i) => assertQueueName(q, `queues[${i}]`)))];
}
