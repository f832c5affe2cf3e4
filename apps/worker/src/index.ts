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
  TaskWorkerOptions,
  TaskWorkerMetrics,
  TaskEventInfo,
  TaskWorkerEvents,
  TaskWorkerHandle,
  StopResult,
} from './task-worker-api';
