/**
 * The contract between `TaskWorker` (the BullMQ side: it executes branches and closes barriers)
 * and the operable shell around it (CLI, metrics, health, logs). The shell subscribes to these
 * events instead of reaching into the worker, so metrics and logs are not sprinkled through it.
 */
import type { RedisConfig } from '@graflow/core';

/** Structured logger; the CLI supplies one that writes JSON lines. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A private CA, a client certificate and its key (PEM text), and the name to check. */
export type RedisTlsOptions = Exclude<RedisConfig['tls'], boolean | undefined>;

/** Redis connection settings shared by the producer, workers, board and exporter. */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  url?: string;
  username?: string;
  password?: string;
  db?: number;
  /** `true`, or a private CA and a client certificate (see `RedisConfig.tls`). @defaultValue false */
  tls?: boolean | RedisTlsOptions;
  /** host:port is a seed node of a Redis Cluster (the key prefix needs a `{hash tag}`, unless sharded). */
  cluster?: boolean;
  /** Shards of the namespace, `{<keyPrefix>-<i>-<salt>}` (see `RedisConfig.shards`); every process of it must agree. @defaultValue 1 */
  shards?: number;
}

export interface TaskWorkerOptions {
  /** Names this worker in logs and BullMQ. @defaultValue `${hostname}-${pid}` */
  workerId?: string;
  /** Redis to connect to. @defaultValue `{ host: '127.0.0.1', port: 6379 }` */
  redis?: RedisConnectionOptions;
  /** Namespace of every key (BullMQ queues, graphs, barriers, channels). @defaultValue 'graflow' */
  keyPrefix?: string;
  /** Jobs processed at once, per served queue (per shard and queue in a sharded namespace). @defaultValue 4 */
  concurrency?: number;
  /**
   * The BullMQ queues this worker serves: `tasks` carries branches whose tasks name no queue and
   * every group's finalization job; a specialized pool serves e.g. `['gpu']`. Every namespace needs
   * at least one worker serving `tasks`. @defaultValue ['tasks']
   */
  queues?: string[];
  /** BullMQ lock duration in ms; a dead worker's jobs are re-run after it lapses. @defaultValue 30000 */
  lockDurationMs?: number;
  /** How often BullMQ checks for stalled jobs, in ms. @defaultValue 30000 */
  stalledIntervalMs?: number;
  /**
   * How many times a branch is re-run after its worker died (its lock lapsed) before it fails as
   * stalled too often, so a branch that kills every worker it lands on stops. @defaultValue 3
   */
  maxStalledCount?: number;
  /** How long `stop()` waits for in-flight tasks before aborting them, in ms. @defaultValue 30000 */
  gracefulShutdownTimeoutMs?: number;
  logger?: Logger;
  /**
   * A ceiling, in bytes, on what this worker writes (branch values, channel writes): each job
   * carries its producer's `maxPayloadBytes`, and the lower of the two applies.
   * @defaultValue none: the producer's limit applies
   */
  maxPayloadBytes?: number;
  /** The task modules this process loaded, named in `UnknownTaskError` messages. @defaultValue [] */
  taskModules?: string[];
}

/** Counters matching the seed's worker fields; `totalExecutionTime` is in seconds. */
export interface TaskWorkerMetrics {
  tasksProcessed: number;
  tasksSucceeded: number;
  tasksFailed: number;
  totalExecutionTime: number;
  activeTasks: number;
}

export interface TaskEventInfo {
  jobId: string;
  runId: string;
  groupId: string;
  taskId: string;
}

/** Typed, namespaced lifecycle events emitted by `TaskWorker`. */
export interface TaskWorkerEvents {
  'task:start': [TaskEventInfo];
  'task:end': [TaskEventInfo & { status: 'succeeded' | 'failed'; durationMs: number; error?: Error }];
  'graph:cache': [{ hit: boolean }];
  'redis:ready': [];
  'redis:error': [Error];
  'shutdown:begin': [{ timeoutMs: number }];
  'shutdown:end': [{ clean: boolean }];
}

/** What `stop()` reports: `clean` is false when the deadline passed and tasks were aborted. */
export interface StopResult {
  clean: boolean;
}

/**
 * What the operable shell may rely on. `TaskWorker` (in `task-worker.ts`) implements it and
 * extends a typed EventEmitter of `TaskWorkerEvents`.
 */
export interface TaskWorkerHandle {
  readonly workerId: string;
  readonly keyPrefix: string;
  /** Live counters; read them at any time. */
  readonly metrics: Readonly<TaskWorkerMetrics>;
  /** True between a successful `start()` and the beginning of `stop()`. */
  readonly running: boolean;
  /** True while the worker's Redis connections are ready. */
  readonly connected: boolean;
  start(): Promise<void>;
  /** Stops fetching, waits for in-flight tasks up to the timeout, then aborts them and closes. */
  stop(options?: { timeoutMs?: number }): Promise<StopResult>;
  /** Aborts in-flight tasks and closes at once (the second signal). */
  forceStop(): Promise<void>;
}
