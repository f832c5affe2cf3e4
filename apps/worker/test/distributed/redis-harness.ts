import type { RunOptions, RunResult, Workflow } from '@graflow/core';
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
