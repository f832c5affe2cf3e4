import type { GraflowClient } from '@graflow/core';
import { compareRuns, settle, type Settled } from './check';
import type { PlannedRun } from './plan';

export interface ProducerConfig {
  host: string;
  port: number;
  keyPrefix: string;
  /** The soak's one long-lived connection, shared by every run (as a service would). */
  client: GraflowClient;
}

export interface RunVerdict {
  planned: PlannedRun;
  verdict: 'correct' | 'wrong' | 'hung';
  detail?: string;
  durationMs: number;
  /** A hung run's promise, kept to report how (and whether) it ended later. */
  late?: { since: number; settled?: Settled; at?: number };
}

const PENDING = Symbol('pending');

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof PENDING>((resolve) => (timer = setTimeout(() => resolve(PENDING), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * One run of the plan: the workflow on the workers and, at the same time, in-process with the
 * memory backend under the same run id (the reference). A distributed run still pending at the
 * deadline is hung; one that ends differently from its reference is wrong.
 */
export async function checkedRun(planned: PlannedRun, config: ProducerConfig, deadlineMs: number): Promise<RunVerdict> {
  const started = Date.now();
  const { workflow } = planned.soakWorkflow;
  const reference = withDeadline(settle(workflow.run({ runId: planned.runId })), deadlineMs);
  const distributed = settle(workflow.run({ runId: planned.runId, client: config.client }));
  const got = await withDeadline(distributed, deadlineMs);
  const expected = await reference;
  const durationMs = Date.now() - started;
  if (got === PENDING) {
    const late: RunVerdict['late'] = { since: started };
    void distributed.then((settled) => {
      late.settled = settled;
      late.at = Date.now();
    });
    return { planned, verdict: 'hung', detail: `still pending after ${deadlineMs} ms`, durationMs, late };
  }
  if (expected === PENDING) {
    return { planned, verdict: 'wrong', detail: `the in-process reference was still pending after ${deadlineMs} ms`, durationMs };
  }
  const detail = compareRuns(planned.doomed, expected, got);
  return detail === undefined ? { planned, verdict: 'correct', durationMs } : { planned, verdict: 'wrong', detail, durationMs };
}
