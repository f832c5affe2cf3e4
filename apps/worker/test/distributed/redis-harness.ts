import type { RunOptions, RunResult, Workflow } from '@graflow/core';
import { RunKeys } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { TaskWorker, type TaskWorkerOptions } from '@graflow/worker';

/** A fresh prefix with in-process workers; `close()` stops them. */
export async function withWorkers(label: string, count: number, options: Partial<TaskWorkerOptions> = {}, prefix = uniquePrefix(label)) {
  const workers = Array.from({ length: count }, (_, i) => new TaskWorker({ workerId: `${label}-${i}`, redis: sharedRedis(), keyPrefix: prefix, concurrency: 8, ...options }));
  await Promise.all(workers.map((w) => w.start()));
  return {
    prefix,
    workers,
    run<T = unknown>(wf: Workflow, extra: RunOptions = {}): Promise<RunResult<T>> {
      return wf.run<T>({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix }, ...extra });
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.stop({ timeoutMs: 2_000 })));
    },
  };
}

/** The epoch a run claimed (part of its job ids), read from the run's own hash. */
export async function runEpoch(redis: { hget(key: string, field: string): Promise<string | null> }, prefix: string, runId: string): Promise<string> {
  const epoch = await redis.hget(new RunKeys(prefix, runId).meta, 'epoch');
  if (!epoch) throw new Error(`run ${runId} has no epoch under ${prefix}`);
  return epoch;
}
