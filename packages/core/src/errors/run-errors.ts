import { GraflowError } from './graflow-error';

/** No run with this id under the prefix: never submitted, or its keys expired (runTtlSeconds). */
export class RunNotFoundError extends GraflowError {
  constructor(readonly runId: string, readonly keyPrefix: string) {
    super(
      'RUN_NOT_FOUND',
      `no run '${runId}' under key prefix '${keyPrefix}': it was never started there, or it ended more than runTtlSeconds ago and its keys expired`,
    );
  }
}

/** A `RunHandle` was closed while `result()` waited on it. */
export class RunHandleClosedError extends GraflowError {
  constructor(readonly runId: string) {
    super('RUN_HANDLE_CLOSED', `the handle of run '${runId}' was closed while waiting for its result; the run itself goes on (getRun() follows it again)`);
  }
}
