import { GraflowError } from './graflow-error';

/** No run with this id under the prefix: never submitted, or its keys expired (runTtlSeconds). */
export class RunNotFoundError extends GraflowError {
  static override readonly errorName: string = 'RunNotFoundError';

  constructor(readonly runId: string, readonly keyPrefix: string) {
    super(
      'RUN_NOT_FOUND',
      `no run '${runId}' under key prefix '${keyPrefix}': it was never started there, or it ended more than runTtlSeconds ago and its keys expired`,
    );
  }
}

/** A `RunHandle` was closed while `result()` waited on it. */
export class RunHandleClosedError extends GraflowError {
  static override readonly errorName: string = 'RunHandleClosedError';

  constructor(readonly runId: string) {
    super('RUN_HANDLE_CLOSED', `the handle of run '${runId}' was closed while waiting for its result; the run itself goes on (getRun() follows it again)`);
  }
}

/** The run failed without recording an error (its record was cut short, e.g. evicted fields). */
export class RunFailedError extends GraflowError {
  static override readonly errorName: string = 'RunFailedError';

  constructor(readonly runId: string) {
    super('RUN_FAILED', `run '${runId}' failed without a recorded error`);
  }
}

/**
 * A submitted run's job failed in BullMQ before the run recorded how it ended: a worker died
 * running it more often than `maxStalledCount` allows, or the job failed outside the run's own
 * error handling. Its followers get this instead of waiting for an ending that cannot come.
 */
export class RunJobFailedError extends GraflowError {
  static override readonly errorName: string = 'RunJobFailedError';

  constructor(readonly runId: string, readonly jobId: string, readonly failedReason: string) {
    super('RUN_JOB_FAILED', `run '${runId}' ended without recording its outcome: its job ${jobId} failed (${failedReason || 'no reason given'})`);
  }
}

/** The Graflow client was closed; connect() a new one. */
export class ClientClosedError extends GraflowError {
  static override readonly errorName: string = 'ClientClosedError';

  constructor() {
    super('CLIENT_CLOSED', 'this Graflow client is closed; connect() a new one');
  }
}

/** A branch job ended without recording an outcome: removed from its queue (by an operator or a cleanup). */
export class BranchRemovedError extends GraflowError {
  static override readonly errorName: string = 'BranchRemovedError';

  constructor(readonly taskId: string, reason: string | undefined) {
    super('BRANCH_REMOVED', reason || `branch '${taskId}' ended without reporting an outcome (its job was removed)`);
  }
}
