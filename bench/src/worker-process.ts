/**
 * A benchmark worker, run as a child process so workers never share the producer's event loop.
 *
 *   node bench/dist/worker-process.js <graflow|raw|floor> <port> <prefix> <concurrency>
 *
 * `graflow` runs a `TaskWorker` with the bench no-op task registered; `raw` runs a plain BullMQ
 * `Worker` on queue `tasks` with a no-op processor; `floor` the same, recording each branch in its
 * barrier first (see `barrier-floor.ts`). All connect to 127.0.0.1. When started with
 * an IPC channel (fork) it sends `{ type: 'ready' }` and answers `{ type: 'memory' }` requests;
 * otherwise it prints "ready". SIGTERM (or losing the parent) stops the worker and exits.
 */
import { Worker } from 'bullmq';
import { TaskWorker } from '@graflow/worker';
import { DEFAULT_QUEUE } from '@graflow/core/redis';
import './bench-tasks';
import { collectGarbage } from './stats';
import { startFloorWorker } from './barrier-floor';

export type WorkerMode = 'graflow' | 'raw' | 'floor';

/** A request from the bench to a worker process. */
export interface MemoryRequest {
  type: 'memory';
  /** Collect garbage first. */
  gc?: boolean;
}

/** The answer to `MemoryRequest`. */
export interface MemoryReport {
  type: 'memory';
  rss: number;
  heapUsed: number;
  /** Graph loads that missed / hit the worker's graph cache (graflow mode). */
  graphLoads: { hits: number; misses: number };
  tasksProcessed: number;
}

interface Stoppable {
  stop(): Promise<unknown>;
  /** Jobs processed so far, when the worker counts them itself. */
  processed?(): number;
}

async function startWorker(mode: WorkerMode, port: number, prefix: string, concurrency: number, report: MemoryReport): Promise<Stoppable> {
  const host = '127.0.0.1';
  if (mode === 'graflow') {
    const worker = new TaskWorker({ redis: { host, port }, keyPrefix: prefix, concurrency, workerId: `bench-${process.pid}` });
    worker.on('graph:cache', ({ hit }) => report.graphLoads[hit ? 'hits' : 'misses']++);
    await worker.start();
    // The worker's own counter, as the raw side counts in its processor: a 'task:end' listener
    // would make the worker build an event per branch that raw BullMQ never pays for.
    return { stop: () => worker.stop({ timeoutMs: 5_000 }), processed: () => worker.metrics.tasksProcessed };
  }
  if (mode === 'floor') return await startFloorWorker(port, prefix, concurrency, () => report.tasksProcessed++);
  const worker = new Worker(DEFAULT_QUEUE, async (job) => {
    report.tasksProcessed++;
    return (job.data as { i?: number }).i ?? null;
  }, { connection: { host, port, maxRetriesPerRequest: null }, prefix, concurrency });
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  return { stop: () => worker.close() };
}

async function main(): Promise<void> {
  const [mode, port, prefix, concurrency] = process.argv.slice(2);
  if ((mode !== 'graflow' && mode !== 'raw' && mode !== 'floor') || !port || !prefix || !concurrency) {
    console.error('usage: worker-process.js <graflow|raw|floor> <port> <prefix> <concurrency>');
    process.exit(2);
  }
  const report: MemoryReport = { type: 'memory', rss: 0, heapUsed: 0, graphLoads: { hits: 0, misses: 0 }, tasksProcessed: 0 };
  const worker = await startWorker(mode, Number(port), prefix, Number(concurrency), report);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void worker.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  process.on('message', (msg: MemoryRequest) => {
    if (msg?.type !== 'memory') return;
    if (msg.gc) collectGarbage();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ ...report, tasksProcessed: worker.processed?.() ?? report.tasksProcessed, rss, heapUsed });
  });
  if (process.send) process.send({ type: 'ready' });
  else console.log('ready');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
