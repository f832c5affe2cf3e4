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

export { sleepUnlessAborted } from '@graflow/testing';
