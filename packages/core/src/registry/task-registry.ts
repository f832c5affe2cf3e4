import { DuplicateTaskError, UnknownTaskError } from '../errors';
import type { TaskOptionsSpec } from '../graph/types';
import { globalSlot } from './global-slot';

/** What the registry keeps for a task id: the function and its resolved options. */
export interface RegisteredTask {
  id: string;
  fn: (ctx: any) => unknown;
  options: TaskOptionsSpec;
}

const registry = globalSlot('graflow.task-registry.v1', () => new Map<string, RegisteredTask>());

/**
 * Registers a task. The same function object may register again; any other function under a
 * taken id throws `DuplicateTaskError`, even with the same source text: two closures of one
 * source (a factory called twice) can capture different values, so only identity is proof.
 */
export function registerTask(entry: RegisteredTask): void {
  const existing = registry.get(entry.id);
  if (existing && existing.fn !== entry.fn) {
    throw new DuplicateTaskError(entry.id);
  }
  registry.set(entry.id, entry);
}

export function lookupTask(taskId: string, loadedModules: string[] = []): RegisteredTask {
  const entry = registry.get(taskId);
  if (!entry) throw new UnknownTaskError(taskId, loadedModules, registeredTaskIds());
  return entry;
}

/** Ids of every task registered in this process, sorted. */
export function registeredTaskIds(): string[] {
  return [...registry.keys()].sort();
}

/** Removes a registration (tests and hot reload). */
export function unregisterTask(taskId: string): boolean {
  return registry.delete(taskId);
}
