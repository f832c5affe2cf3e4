import { task, type TaskContext } from '@graflow/core';

/**
 * The one task every distributed workload runs. Producer and worker processes both import this
 * module, which registers the task under its id; only the id travels through Redis.
 */
export const noop = task('bench-noop', (ctx: TaskContext<{ i: number }>) => ctx.params.i);
