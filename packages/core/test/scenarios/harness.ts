import type { RunOptions, RunResult, Workflow } from '@graflow/core';

/** One backend the scenario suite runs on; each test gets a fresh one (own key prefix on Redis). */
export interface Harness {
  readonly backend: 'memory' | 'redis';
  run<T = unknown>(wf: Workflow, options?: RunOptions): Promise<RunResult<T>>;
}

export type HarnessFactory = () => Harness;

export function memoryHarness(): Harness {
  return { backend: 'memory', run: (wf, options) => wf.run(options) };
}

/** Resolves once `signal` fires; what tests use to prove a branch was told to stop. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** A promise that settles when `signal` fires, or after `ms` (whichever first). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<'aborted' | 'slept'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('slept'), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve('aborted');
    }, { once: true });
  });
}
