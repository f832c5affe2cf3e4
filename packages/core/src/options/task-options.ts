import { InvalidOptionError } from '../errors';
import { assertKnownKeys, assertOptionsObject, integerOption, MAX_TIMER_MS } from './validate';
import type { BackoffType, TaskNode, TaskOptionsSpec } from '../graph/types';
import { assertQueueName, DEFAULT_QUEUE } from '../distributed/keys';

/** Options of `task(id, fn, options)`. */
export interface TaskOptions {
  /**
   * Retries after the first attempt (`3` means up to 4 attempts), or the total attempts with a
   * backoff. @defaultValue 0 (one attempt)
   */
  retries?: number | { attempts: number; backoff?: { type: BackoffType; delayMs: number } };
  /** Per-attempt timeout; fires `ctx.signal` and fails with `TaskTimeoutError`. @defaultValue none */
  timeoutMs?: number;
  /** How many times the node may run in one run (iterations and gotos). @defaultValue 100 */
  maxCycles?: number;
  /**
   * The worker pool that runs this task when its branch is distributed: workers started with
   * `--queues <name>` (e.g. 'gpu'). @defaultValue 'tasks' (every default worker)
   */
  queue?: string;
}

/** The defaults of `TaskOptions`, in one place. */
export const TASK_OPTION_DEFAULTS = {
  attempts: 1,
  backoff: { type: 'fixed' as BackoffType, delayMs: 0 },
  maxCycles: 100,
};

/** A required integer in [min, max] (`integerOption` alone would take undefined as "the default"). */
function positiveInt(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) throw new InvalidOptionError(option, value, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  return integerOption(option, value, 0, min, max);
}

/** Validates `TaskOptions` and resolves them to the serializable spec stored in the graph. */
export function resolveTaskOptions(taskId: string, options: TaskOptions = {}): TaskOptionsSpec {
  const where = `task('${taskId}').`;
  assertOptionsObject(options, `task('${taskId}', fn, options)`);
  assertKnownKeys(options, ['retries', 'timeoutMs', 'maxCycles', 'queue'], `task('${taskId}')`);
  let attempts = TASK_OPTION_DEFAULTS.attempts;
  let backoff = { ...TASK_OPTION_DEFAULTS.backoff };
  const { retries } = options;
  if (typeof retries === 'number') {
    attempts = positiveInt(`${where}retries`, retries, 0) + 1;
  } else if (retries !== undefined) {
    if (typeof retries !== 'object' || retries === null || Array.isArray(retries)) {
      throw new InvalidOptionError(`${where}retries`, retries, 'a count or { attempts, backoff }');
    }
    assertKnownKeys(retries, ['attempts', 'backoff'], `${where}retries`);
    attempts = positiveInt(`${where}retries.attempts`, retries.attempts, 1);
    if (retries.backoff !== undefined) {
      if (typeof retries.backoff !== 'object' || retries.backoff === null) {
        throw new InvalidOptionError(`${where}retries.backoff`, retries.backoff, "{ type: 'fixed' | 'exponential', delayMs }");
      }
      assertKnownKeys(retries.backoff, ['type', 'delayMs'], `${where}retries.backoff`);
      const { type, delayMs } = retries.backoff;
      if (type !== 'fixed' && type !== 'exponential') {
        throw new InvalidOptionError(`${where}retries.backoff.type`, type, "'fixed' or 'exponential'");
      }
      backoff = { type, delayMs: positiveInt(`${where}retries.backoff.delayMs`, delayMs, 0, MAX_TIMER_MS) };
    }
  }
  const spec: TaskOptionsSpec = {
    attempts,
    backoff,
    maxCycles:
      options.maxCycles === undefined
        ? TASK_OPTION_DEFAULTS.maxCycles
        : positiveInt(`${where}maxCycles`, options.maxCycles, 1),
  };
  if (options.timeoutMs !== undefined) spec.timeoutMs = positiveInt(`${where}timeoutMs`, options.timeoutMs, 1, MAX_TIMER_MS);
  // Stored only when set, so graphs (and their hashes) without pools are unchanged.
  if (options.queue !== undefined && options.queue !== DEFAULT_QUEUE) spec.queue = assertQueueName(options.queue, `${where}queue`);
  return spec;
}

/** The resolved options of a task node: its own, or the defaults it was stored without. */
export function taskOptionsOf(node: TaskNode): TaskOptionsSpec {
  return node.options ?? DEFAULT_TASK_OPTIONS_SPEC;
}

/** Whether `spec` is what `resolveTaskOptions` gives a task with no options. */
export function isDefaultTaskOptions(spec: TaskOptionsSpec): boolean {
  const d = DEFAULT_TASK_OPTIONS_SPEC;
  return spec.attempts === d.attempts && spec.backoff.type === d.backoff.type && spec.backoff.delayMs === d.backoff.delayMs
    && spec.maxCycles === d.maxCycles && spec.timeoutMs === undefined && spec.queue === undefined;
}

const DEFAULT_TASK_OPTIONS_SPEC: Readonly<TaskOptionsSpec> = Object.freeze({
  attempts: TASK_OPTION_DEFAULTS.attempts,
  backoff: Object.freeze({ ...TASK_OPTION_DEFAULTS.backoff }),
  maxCycles: TASK_OPTION_DEFAULTS.maxCycles,
});

/** Delay before attempt `nextAttempt` (2 = the first retry). */
export function backoffDelayMs(spec: TaskOptionsSpec, nextAttempt: number): number {
  const { type, delayMs } = spec.backoff;
  // Capped: a longer in-process wait would overflow the timer and fire at once.
  return Math.min(MAX_TIMER_MS, type === 'exponential' ? delayMs * 2 ** (nextAttempt - 2) : delayMs);
}
