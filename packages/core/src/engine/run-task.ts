import { errorMessage, TaskTimeoutError, WorkflowCancelledError } from '../errors';
import type { TaskNode } from '../graph/types';
import { backoffDelayMs, taskOptionsOf } from '../options/task-options';
import type { RegisteredTask } from '../registry/task-registry';
import type { RunState } from '../channels/channel';
import { linkedController } from '../util/signals';
import { TaskContextImpl, type Directives } from './task-context';
import type { RunnerHooks } from './scope';

export interface RunTaskInput {
  node: TaskNode;
  registered: RegisteredTask;
  runId: string;
  params: unknown;
  iteration: number;
  signal: AbortSignal;
  state: RunState;
  hooks?: RunnerHooks;
  /** Set when something outside (BullMQ) owns retries: run just this attempt. */
  externalAttempt?: number;
}

/** Runs a task with its attempts, backoff and per-attempt timeout; returns its value and directives. */
export async function runTask(input: RunTaskInput): Promise<{ value: unknown; directives: Directives }> {
  const { node, signal } = input;
  const spec = taskOptionsOf(node);
  const first = input.externalAttempt ?? 1;
  const last = input.externalAttempt ?? spec.attempts;
  for (let attempt = first; ; attempt++) {
    const started = Date.now();
    input.hooks?.taskStart?.({ nodeId: node.id, taskId: node.taskId, attempt });
    try {
      const out = await runAttempt(input, attempt);
      input.hooks?.taskEnd?.({ nodeId: node.id, taskId: node.taskId, attempt, ok: true, durationMs: Date.now() - started });
      return out;
    } catch (raw) {
      const error = raw instanceof Error ? raw : new Error(errorMessage(raw));
      input.hooks?.taskEnd?.({ nodeId: node.id, taskId: node.taskId, attempt, ok: false, durationMs: Date.now() - started, error });
      const retryable = !signal.aborted && !(error instanceof WorkflowCancelledError);
      if (!retryable || attempt >= last) throw error;
      await abortableDelay(backoffDelayMs(spec, attempt + 1), signal);
    }
  }
}

async function runAttempt(input: RunTaskInput, attempt: number): Promise<{ value: unknown; directives: Directives }> {
  const { node, registered } = input;
  const { timeoutMs } = taskOptionsOf(node);
  // With a timeout the attempt gets its own controller (the run's signal forwards into it, the
  // timeout aborts it); without one, the run's signal is the attempt's.
  const link = timeoutMs === undefined ? undefined : linkedController(input.signal);
  const signal = link ? link.controller.signal : input.signal;
  const timer = link ? setTimeout(() => link.controller.abort(new TaskTimeoutError(node.id, timeoutMs!)), timeoutMs) : undefined;
  const ctx = new TaskContextImpl(node.id, input.runId, input.params, attempt, input.iteration, signal, input.state);
  const abortError = () => (signal.reason instanceof Error ? signal.reason : new Error(`task '${node.id}' aborted`));
  let onAbort: (() => void) | undefined;
  let aborted: Promise<never> | undefined;
  try {
    if (signal.aborted) throw abortError();
    const returned = registered.fn(ctx);
    // A synchronous task has ended already: nothing to race (no promise, listener or tick).
    if (!isThenable(returned)) {
      if (signal.aborted) throw abortError();
      return { value: returned, directives: ctx.directives };
    }
    aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError());
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    // A task that ignores its signal still loses the race, so timeouts and cancels are honoured.
    const value = await Promise.race([returned, aborted]);
    // A task that settles because its signal fired (it listened first) was still aborted.
    if (signal.aborted) throw abortError();
    return { value, directives: ctx.directives };
  } finally {
    if (timer) clearTimeout(timer);
    link?.dispose();
    if (onAbort) signal.removeEventListener('abort', onAbort);
    aborted?.catch(() => undefined);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
