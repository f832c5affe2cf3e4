import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskWorkerEvents, TaskWorkerHandle } from '../task-worker-api';

/** What the metrics need from a worker: its typed events and its live counters. */
export interface WorkerEventSource {
  on<K extends keyof TaskWorkerEvents>(event: K, listener: (...args: TaskWorkerEvents[K]) => void): unknown;
}
export type ObservableWorker = WorkerEventSource & Pick<TaskWorkerHandle, 'metrics'>;

/** Seconds; from sub-millisecond no-ops to ten-minute tasks. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** A registry of our own, never prom-client's global one, so two shells in a process don't collide. */
export function createRegistry(options: { processMetrics: boolean }): Registry {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * `graflow_queue_depth{key_prefix,queue}`, one series per queue, computed when scraped. While a
 * queue's depth is unknown (Redis away) its series is left out rather than reporting a stale
 * number to an autoscaler. Queue names are a bounded set of configuration (`--queues`), never ids.
 * `key_prefix` is the namespace as configured: a sharded namespace reports each queue's sum over
 * its shards under its base prefix, so an HPA query does not change with the shard count.
 */
export function registerQueueDepth(
  registry: Registry,
  keyPrefix: string,
  depths: () => Promise<ReadonlyMap<string, number | undefined>>,
): void {
  new Gauge({
    name: 'graflow_queue_depth',
    help: "Jobs waiting in one of the namespace's BullMQ queues (waiting plus prioritized), summed over its shards",
    labelNames: ['key_prefix', 'queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [queue, value] of await depths()) {
        if (value !== undefined) this.set({ key_prefix: keyPrefix, queue }, value);
      }
    },
  });
}

/**
 * Task and graph-cache metrics, fed by the worker's lifecycle events. Labels never carry run or
 * task ids, so the series count stays bounded.
 */
export function registerWorkerMetrics(registry: Registry, worker: ObservableWorker): void {
  const registers = [registry];
  const tasks = new Counter({ name: 'graflow_tasks_total', help: 'Tasks finished, by status', labelNames: ['status'], registers });
  for (const status of ['succeeded', 'failed']) tasks.inc({ status }, 0);
  const duration = new Histogram({ name: 'graflow_task_duration_seconds', help: 'Task execution time', buckets: DURATION_BUCKETS, registers });
  new Gauge({
    name: 'graflow_worker_active_tasks',
    help: 'Tasks executing now',
    registers,
    collect() {
      this.set(worker.metrics.activeTasks);
    },
  });
  const hits = new Counter({ name: 'graflow_graph_cache_hits_total', help: 'Graph loads served by the local cache', registers });
  const misses = new Counter({ name: 'graflow_graph_cache_misses_total', help: 'Graph loads that went to Redis', registers });

  worker.on('task:end', (info) => {
    tasks.inc({ status: info.status });
    duration.observe(info.durationMs / 1000);
  });
  worker.on('graph:cache', ({ hit }) => (hit ? hits : misses).inc());
}
