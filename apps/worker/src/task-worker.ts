import { EventEmitter, setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { GraflowError, resolveRedisConfig, RUN_OPTION_DEFAULTS } from '@graflow/core';
import { CancelRegistry, Namespace, WorkerHeartbeat, createJobProcessor, createRedisClient, endRunOfFailedJob, errorSummary, type JobProcessorOptions } from '@graflow/core/redis';
import { GuardedWorker } from './unreadable-jobs';
import { resolveTaskWorkerOptions, type ResolvedTaskWorkerOptions } from './task-worker-options';
import type { StopResult, TaskWorkerEvents, TaskWorkerHandle, TaskWorkerMetrics, TaskWorkerOptions } from './task-worker-api';

/** Lines of a failure's stack kept in a log line: the thrower's frames, not a whole trace. */
const LOG_STACK_LINES = 12;

/**
 * Where a failure was thrown, for the log line: the stack of the task's own error (for a nested
 * group's failure, of its first failed branch, as recorded on the worker that ran it), bounded.
 */
function failureStack(err: unknown): { stack?: string } {
  if (!(err instanceof Error)) return {};
  const summary = errorSummary(err);
  const stack = summary.stack && !summary.failed?.length ? summary.stack : summary.failed?.find((f) => f.error.stack)?.error.stack ?? summary.stack;
  return stack ? { stack: stack.split('\n').slice(0, LOG_STACK_LINES).join('\n') } : {};
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Aborts in-flight tasks when the graceful-shutdown deadline passes. */
class ShutdownDeadlineError extends GraflowError {
  static override readonly errorName: string = 'ShutdownDeadlineError';

  constructor(timeoutMs: number) {
    super('SHUTDOWN_DEADLINE', `worker shutdown deadline (${timeoutMs} ms) passed; the branch goes back to the queue`);
  }
}

/**
 * Executes branches of distributed groups and closes their barriers. It runs only tasks that
 * this process registered (via its task modules); a job carries ids and a graph hash, never code.
 *
 * @example
 * ```ts
 * const worker = new TaskWorker({ redis: { host: '127.0.0.1', port: 6379 }, keyPrefix: 'myapp:workflows', concurrency: 4 });
 * await worker.start();
 * process.once('SIGTERM', () => void worker.stop());
 * ```
 */
function sharedShutdownController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export class TaskWorker extends EventEmitter<TaskWorkerEvents> implements TaskWorkerHandle {
  readonly options: ResolvedTaskWorkerOptions;
  private readonly counters: TaskWorkerMetrics = { tasksProcessed: 0, tasksSucceeded: 0, tasksFailed: 0, totalExecutionTime: 0, activeTasks: 0 };
  // Every job in flight listens for shutdown: as many listeners as the concurrency allows.
  private readonly shutdown = sharedShutdownController();
  private readonly cancels = new CancelRegistry();
  private namespace?: Namespace;
  private workers: Worker[] = [];
  private subscriber?: Redis;
  private workerConnection?: Redis;
  private heartbeats: WorkerHeartbeat[] = [];
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private stopping?: Promise<StopResult>;

  constructor(options: TaskWorkerOptions = {}) {
    super();
    this.options = resolveTaskWorkerOptions(options, `${hostname()}-${process.pid}`);
  }

  get workerId(): string {
    return this.options.workerId;
  }

  get keyPrefix(): string {
    return this.options.keyPrefix;
  }

  get metrics(): Readonly<TaskWorkerMetrics> {
    return { ...this.counters };
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get connected(): boolean {
    return this.namespace?.redis.status === 'ready' && this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new GraflowError('WORKER_STARTED', `TaskWorker ${this.workerId} was already started`);
    const o = this.options;
    const config = resolveRedisConfig({ ...o.redis, keyPrefix: o.keyPrefix }, 'redis');
    // Every shard of the namespace, on one command connection and one subscriber.
    const namespace = await Namespace.connect(config, { connectTimeoutMs: RUN_OPTION_DEFAULTS.connectTimeoutMs });
    this.namespace = namespace;
    // BullMQ defines its scripts on the shared connection when its first handle starts; do it now,
    // before jobs run: a script defined later is missing from an auto-pipeline already open in
    // that tick, and ioredis then fails every command of the pipeline.
    await Promise.all(namespace.shards.map((shard) => shard.queue.waitUntilReady()));
    const subscriber = namespace.shards[0]!.subscriberConnection();
    this.subscriber = subscriber;
    // One subscriber and one listener for every shard's cancel channel.
    await this.cancels.listen(subscriber, namespace.prefixes);
    const log = o.logger;
    const processing: Omit<JobProcessorOptions, 'runtime'> = {
      cancels: this.cancels,
      shutdownSignal: this.shutdown.signal,
      loadedModules: o.taskModules,
      workerId: o.workerId,
      ...(o.maxPayloadBytes !== undefined ? { maxPayloadBytesCeiling: o.maxPayloadBytes } : {}),
      onGraphLoad: (hit) => this.emit('graph:cache', { hit }),
      onBranch: (event, info) => {
        // Called twice per branch: build the event's fields only for a logger or a listener.
        const heard = () => log !== undefined || this.listenerCount(event === 'start' ? 'task:start' : 'task:end') > 0;
        if (event === 'start') {
          this.counters.activeTasks++;
          if (!heard()) return;
          const fields = { runId: info.runId, groupId: info.groupId, taskId: info.taskId, jobId: info.jobId };
          log?.debug('branch started', fields);
          this.emit('task:start', fields);
          return;
        }
        const durationMs = info.durationMs ?? 0;
        this.counters.activeTasks = Math.max(0, this.counters.activeTasks - 1);
        this.counters.tasksProcessed++;
        this.counters.totalExecutionTime += durationMs / 1000;
        if (info.ok) this.counters.tasksSucceeded++;
        else this.counters.tasksFailed++;
        if (!heard()) return;
        const fields = { runId: info.runId, groupId: info.groupId, taskId: info.taskId, jobId: info.jobId };
        const error = info.error instanceof Error ? info.error : undefined;
        if (info.ok) log?.info('branch succeeded', { ...fields, durationMs });
        else log?.warn('branch failed', { ...fields, durationMs, error: error?.message, ...failureStack(info.error) });
        this.emit('task:end', { ...fields, status: info.ok ? 'succeeded' : 'failed', durationMs, ...(error ? { error } : {}) });
      },
      onRun: (event, info) => {
        const fields = { runId: info.runId, workflow: info.workflow, jobId: info.jobId };
        if (event === 'start') return log?.debug('run job started', fields);
        const durationMs = info.durationMs ?? 0;
        if (info.status === 'failed') log?.warn('run failed', { ...fields, durationMs, error: errorText(info.error), ...failureStack(info.error) });
        else if (info.status === 'waiting') log?.debug('run job waiting for a group', { ...fields, durationMs });
        else log?.info(`run ${info.status}`, { ...fields, durationMs });
      },
    };
    // On a standalone Redis, BullMQ completes jobs on the namespace's own connection: a branch's
    // outcome and its job's completion then leave in order on one socket, and the processor need
    // not wait for the outcome's reply (`completesOnRuntimeConnection`). A cluster client routes
    // by node, so there BullMQ keeps a connection of its own. BullMQ never closes a connection it
    // was handed (it blocks on a duplicate); release() does.
    const shared = !config.cluster;
    const connection = shared ? namespace.redis : createRedisClient(config, { blocking: true });
    if (!shared) this.workerConnection = connection;
    // A BullMQ worker per (shard, queue): a job's shard is its BullMQ prefix, and the processor
    // of that shard runs it against the shard's runtime.
    this.workers = namespace.shards.flatMap((runtime) => {
      const processor = createJobProcessor({ ...processing, runtime, completesOnRuntimeConnection: shared });
      return o.queues.map((queue) => {
        const onUnreadable = (jobId: string, error: Error) => log?.error('malformed job', { queue, jobId, error: error.message });
        const worker = new GuardedWorker(queue, (job: Job, token?: string) => processor(job, token), {
          connection,
          prefix: runtime.prefix,
          concurrency: o.concurrency,
          lockDuration: o.lockDurationMs,
          stalledInterval: o.stalledIntervalMs,
          maxStalledCount: o.maxStalledCount,
          // INFO is @dangerous: an ACL user limited to the prefix may not run it.
          skipVersionCheck: true,
          name: o.workerId,
          autorun: false,
        }, runtime.redis, onUnreadable);
        worker.on('error', (err) => {
          this.emit('redis:error', err);
          log?.warn('worker error', { queue, ...(namespace.shards.length > 1 ? { shard: runtime.prefix } : {}), error: err.message });
        });
        // A run job BullMQ failed without running it (it stalled more often than maxStalledCount
        // allows) never recorded its ending: record it failed, or it stays running for its TTL.
        worker.on('failed', (job) => {
          const data = job?.data as { kind?: unknown; runId?: unknown } | undefined;
          if (data?.kind === 'run' && typeof data.runId === 'string') void endRunOfFailedJob(runtime, data.runId).catch(() => undefined);
        });
        worker.on('ready', () => this.emit('redis:ready'));
        return worker;
      });
    });
    namespace.redis.on('ready', () => this.emit('redis:ready'));
    this.state = 'running';
    for (const worker of this.workers) {
      void worker.run().catch((err: Error) => log?.error('worker loop stopped', { queue: worker.name, error: err.message }));
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    // Producers tell a busy fleet from no fleet by these heartbeats (not CLIENT LIST), per shard.
    this.heartbeats = namespace.prefixes.map((prefix) => new WorkerHeartbeat(namespace.redis, prefix, o.queues, o.workerId, (err) =>
      log?.debug('heartbeat failed', { error: err instanceof Error ? err.message : String(err) }),
    ));
    await Promise.all(this.heartbeats.map((heartbeat) => heartbeat.start()));
    log?.info('worker started', { keyPrefix: o.keyPrefix, shards: namespace.shards.length, queues: o.queues, concurrency: o.concurrency, tasks: o.taskModules });
  }

  stop(options: { timeoutMs?: number } = {}): Promise<StopResult> {
    this.stopping ??= this.doStop(options.timeoutMs ?? this.options.gracefulShutdownTimeoutMs);
    return this.stopping;
  }

  private async doStop(timeoutMs: number): Promise<StopResult> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return { clean: true };
    }
    this.state = 'stopping';
    this.emit('shutdown:begin', { timeoutMs });
    this.options.logger?.info('shutting down', { timeoutMs, activeTasks: this.counters.activeTasks });
    // Drain with pause() (stop fetching, wait for in-flight jobs), then close with force once:
    // BullMQ's close(true) after a pending close() returns that first, unforced close, which
    // would keep renewing the locks of jobs stuck past the deadline (and the process alive).
    const draining = Promise.all(this.workers.map((w) => w.pause()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), timeoutMs);
    });
    const outcome = await Promise.race([draining.then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    const clean = outcome === 'drained';
    if (!clean) {
      this.options.logger?.warn('shutdown deadline passed; aborting in-flight tasks', { activeTasks: this.counters.activeTasks });
      this.shutdown.abort(new ShutdownDeadlineError(timeoutMs));
      // Aborted branches hand themselves back to the queue; give them a moment to do so.
      await Promise.race([draining, new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
    // Bounded: even a forced close can wait on Redis during an outage, and the process must exit.
    await Promise.race([Promise.all(this.workers.map((w) => w.close(true).catch(() => undefined))), new Promise((r) => setTimeout(r, 2_000).unref())]);
    await this.release();
    this.emit('shutdown:end', { clean });
    return { clean };
  }

  async forceStop(): Promise<void> {
    this.shutdown.abort(new ShutdownDeadlineError(0));
    this.state = 'stopping';
    await Promise.all(this.workers.map((w) => w.close(true).catch(() => undefined)));
    await this.release();
  }

  private async release(): Promise<void> {
    this.state = 'stopped';
    // Bounded: while Redis is away these would wait for it.
    const leaving = Promise.all(this.heartbeats.map((heartbeat) => heartbeat.stop().catch(() => undefined)));
    await Promise.race([leaving, new Promise((r) => setTimeout(r, 1_000).unref())]);
    this.subscriber?.disconnect();
    this.workerConnection?.disconnect();
    await this.namespace?.close().catch(() => undefined);
  }
}
