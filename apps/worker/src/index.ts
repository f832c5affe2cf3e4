/**
 * The Graflow worker: executes branches of distributed parallel groups and closes their BSP
 * barriers. Use the `graflow-worker` CLI, or embed it:
 *
 * @example
 * ```ts
 * import { TaskWorker } from '@graflow/worker';
 * import './my-tasks'; // registers the tasks this worker may run
 *
 * const worker = new TaskWorker({ redis: { host: '127.0.0.1', port: 6379 }, keyPrefix: 'myapp:workflows', concurrency: 4 });
 * await worker.start();
 * process.once('SIGTERM', async () => process.exit((await worker.stop()).clean ? 0 : 1));
 * ```
 */
export { TaskWorker } from './task-worker';
export { resolveTaskWorkerOptions, TASK_WORKER_DEFAULTS } from './task-worker-options';
export type { ResolvedTaskWorkerOptions } from './task-worker-options';
export type {
  Logger,
  RedisConnectionOptions,
  RedisTlsOptions,
  TaskWorkerOptions,
  TaskWorkerMetrics,
  TaskEventInfo,
  TaskWorkerEvents,
  TaskWorkerHandle,
  StopResult,
} from './task-worker-api';
// The operable shell: the CLI's options, JSON logs, metrics, and the ops HTTP server, for
// embedding the worker in a process of your own.
export { resolveWorkerCliOptions, parseWorkerCli, DEFAULTS as WORKER_CLI_DEFAULTS, WORKER_CLI_FLAGS } from './cli/options';
export type { ResolvedWorkerCliOptions, RawCliInput, CliParseResult, CliProgram } from './cli/options';
// The Redis flags and variables every Graflow CLI shares (the board uses them too).
export { REDIS_FLAGS, resolveRedisFlags, parseRedisFlags } from './cli/redis-flags';
export type { RedisFlagName, ResolvedRedisFlags } from './cli/redis-flags';
export { declareFlags, collectFlagInput, FlagReader } from './cli/flags';
export type { FlagParser, FlagSpec, FlagTable, FlagType, RawFlagInput } from './cli/flags';
export { renderFlagTable } from './cli/flag-docs';
export { CliUsageError, StartupError, ExitCode } from './cli/errors';
export { createJsonLogger, LOG_LEVELS } from './logging/json-logger';
export type { JsonLoggerOptions, LogLevel } from './logging/json-logger';
export { createRegistry, registerQueueDepth, registerWorkerMetrics } from './metrics/registry';
export type { ObservableWorker, WorkerEventSource } from './metrics/registry';
export { QueueDepthProbe } from './metrics/queue-depth';
export { startOpsHttpServer } from './http/server';
export type { OpsHttpOptions, OpsHttpServer, Probe } from './http/server';
export { aliveProbe, readinessProbe, workerReadyProbe } from './http/probes';
export type { ReadinessState } from './http/probes';
export { installShutdownHandlers } from './cli/shutdown';
export type { ShutdownOptions, ShutdownHandle } from './cli/shutdown';
