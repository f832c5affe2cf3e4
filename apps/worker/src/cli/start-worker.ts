import type { Logger, TaskWorkerHandle, TaskWorkerOptions } from '../task-worker-api';
import { workerReadyProbe } from '../http/probes';
import { startOpsHttpServer, type OpsHttpServer } from '../http/server';
import { QueueDepthProbe } from '../metrics/queue-depth';
import { createRegistry, registerQueueDepth, registerWorkerMetrics, type ObservableWorker } from '../metrics/registry';
import { pingRedis, describeRedisTarget } from '../redis/connection';
import { StartupError, firstLine } from './errors';
import { loadTaskModules } from './load-tasks';
import type { ResolvedWorkerCliOptions } from './options';
import { installShutdownHandlers } from './shutdown';

export type ShellWorker = ObservableWorker & TaskWorkerHandle;

/** What `main.ts` wires in: the real `TaskWorker` and `@graflow/core`'s registry. */
export interface WorkerDeps {
  createWorker: (options: TaskWorkerOptions) => ShellWorker;
  registeredTaskIds: () => string[];
}

/**
 * Start-up in the order that gives the clearest failure: task modules, registered tasks, Redis,
 * HTTP, then the worker. Every failure before the worker runs is a one-line `StartupError`.
 * Once running, the signal handlers own the exit.
 */
export async function startWorker(options: ResolvedWorkerCliOptions, logger: Logger, deps: WorkerDeps): Promise<void> {
  await loadTaskModules(options.taskModules);
  const taskIds = deps.registeredTaskIds();
  const modules = options.taskModules.join(', ');
  if (taskIds.length === 0) {
    throw new StartupError(`no tasks registered by ${modules}: a task module must define tasks with task(id, fn) from @graflow/core`);
  }
  logger.info('tasks registered', { taskIds, modules: options.taskModules });
  await pingRedis(options.redis, options.keyPrefix);

  const worker = deps.createWorker({
    workerId: options.workerId,
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    queues: options.queues,
    concurrency: options.concurrency,
    lockDurationMs: options.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount,
    ...(options.maxPayloadBytes !== undefined ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
    gracefulShutdownTimeoutMs: options.gracefulShutdownTimeoutMs,
    logger,
    taskModules: options.taskModules,
  });
  const probe = new QueueDepthProbe(options.redis, options.keyPrefix, { queues: options.queues, logger });
  let http: OpsHttpServer | null = null;
  const shutdown = installShutdownHandlers({
    target: worker,
    timeoutMs: options.gracefulShutdownTimeoutMs,
    logger,
    afterStop: async () => {
      logger.info('final counters', { ...worker.metrics });
      await Promise.all([http?.close(), probe.close()]);
    },
  });
  try {
    const registry = createRegistry({ processMetrics: true });
    registerQueueDepth(registry, options.keyPrefix, () => probe.depths());
    registerWorkerMetrics(registry, worker);
    if (options.http) {
      http = await startOpsHttpServer({
        ...options.http,
        registry,
        logger,
        ready: workerReadyProbe(worker, () => shutdown.shuttingDown),
      });
    }
    await worker.start();
  } catch (err) {
    shutdown.dispose();
    await Promise.all([http?.close(), probe.close(), worker.forceStop().catch(() => undefined)]);
    throw err instanceof StartupError ? err : new StartupError(`worker failed to start: ${firstLine(err)}`);
  }
  logger.info('graflow-worker running', {
    redis: describeRedisTarget(options.redis, options.keyPrefix),
    keyPrefix: options.keyPrefix,
    queues: options.queues,
    concurrency: options.concurrency,
    maxStalledCount: options.maxStalledCount,
    maxPayloadBytes: options.maxPayloadBytes ?? 'per job',
    metricsPort: http?.port ?? null,
  });
}
