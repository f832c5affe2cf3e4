import { InvalidOptionError } from '../errors';
import { resolveTaskOptions, type TaskOptions } from '../options/task-options';
import { registerTask } from '../registry/task-registry';
import { Task, type TaskFn } from './nodes';

/**
 * Defines a task and registers it under `id` in the process-wide registry, which is how workers
 * find the code for a node: only the id travels through Redis, never code.
 */
export function task<P = undefined, R = unknown>(id: string, fn: TaskFn<P, R>, options?: TaskOptions): Task<P, Awaited<R>> {
  if (typeof id !== 'string' || id === '') throw new InvalidOptionError('task(id)', id, 'a non-empty string');
  if (/[\s#]/.test(id)) throw new InvalidOptionError('task(id)', id, "an id without whitespace or '#'");
  if (typeof fn !== 'function') throw new InvalidOptionError(`task('${id}', fn)`, fn, 'a function');
  const spec = resolveTaskOptions(id, options);
  registerTask({ id, fn, options: spec });
  return new Task(id, fn as TaskFn<P, Awaited<R>>, spec);
}
