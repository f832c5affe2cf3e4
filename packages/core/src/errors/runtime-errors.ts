import { GraflowError } from './graflow-error';

/** A node names a task this process has not registered (e.g. a worker missing a tasks module). */
export class UnknownTaskError extends GraflowError {
  constructor(readonly taskId: string, readonly loadedModules: string[] = [], readonly known: string[] = []) {
    const modules = loadedModules.length ? loadedModules.join(', ') : '(none)';
    super(
      'UNKNOWN_TASK',
      `task '${taskId}' is not registered in this process; task modules loaded: ${modules}; ` +
        `registered tasks: ${known.length ? known.slice(0, 20).join(', ') : '(none)'}`,
    );
  }
}

export class TaskTimeoutError extends GraflowError {
  constructor(readonly taskId: string, readonly timeoutMs: number) {
    super('TASK_TIMEOUT', `task '${taskId}' timed out after ${timeoutMs} ms`);
  }
}

export class GroupTimeoutError extends GraflowError {
  constructor(readonly groupId: string, readonly timeoutMs: number, readonly pending: string[] = []) {
    super(
      'GROUP_TIMEOUT',
      `parallel group '${groupId}' timed out after ${timeoutMs} ms` +
        (pending.length ? `; unfinished branches: ${pending.join(', ')}` : ''),
    );
  }
}

export interface BranchFailure {
  taskId: string;
  error: Error;
}

/** A parallel group's policy decided failure. */
export class ParallelGroupError extends GraflowError {
  constructor(
    readonly groupId: string,
    readonly failed: BranchFailure[],
    readonly succeeded: string[],
    reason?: string,
  ) {
    const list = failed.map((f) => `${f.taskId}: ${f.error.message}`).join('; ');
    super(
      'PARALLEL_GROUP_FAILED',
      `parallel group '${groupId}' failed${reason ? ` (${reason})` : ''}: ${failed.length} failed [${list}], ` +
        `${succeeded.length} succeeded`,
    );
  }
}

export class CycleLimitExceededError extends GraflowError {
  constructor(readonly nodeId: string, readonly maxCycles: number) {
    super('CYCLE_LIMIT', `node '${nodeId}' would run more than maxCycles=${maxCycles} times`);
  }
}

export class WorkflowCancelledError extends GraflowError {
  constructor(readonly reason?: string) {
    super('CANCELLED', `workflow cancelled${reason ? `: ${reason}` : ''}`);
  }
}

/** A goto targets a node outside the parallel branch the task runs in. */
export class GotoOutOfBranchError extends GraflowError {
  constructor(readonly fromNode: string, readonly target: string, readonly branch: string) {
    super(
      'GOTO_OUT_OF_BRANCH',
      `goto from '${fromNode}' to '${target}' would leave parallel branch '${branch}'; ` +
        `a goto inside a parallel group must stay within its branch`,
    );
  }
}

/** `getResult` asked for a node with no recorded result. */
export class ResultNotFoundError extends GraflowError {
  constructor(readonly nodeId: string) {
    super('RESULT_NOT_FOUND', `no result recorded for node '${nodeId}' in this run (not run yet, or it failed)`);
  }
}

/** Redis could not be reached at run start; names host:port and the key prefix. */
export class GraflowConnectionError extends GraflowError {
  constructor(readonly address: string, readonly keyPrefix: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('REDIS_UNREACHABLE', `cannot reach Redis at ${address} (key prefix '${keyPrefix}')${why}`, { cause });
  }
}

/** A queue the group needs had no connected worker for too long; usually a key prefix mismatch. */
export class NoWorkerActivityError extends GraflowError {
  constructor(readonly groupId: string, readonly keyPrefix: string, readonly waitedMs: number, readonly queue = 'tasks') {
    super(
      'NO_WORKER_ACTIVITY',
      `no worker served queue '${queue}' under key prefix '${keyPrefix}' for ${waitedMs} ms while parallel group '${groupId}' ` +
        `waited on it; start workers with --redis-key-prefix ${keyPrefix}${queue === 'tasks' ? '' : ` --queues ${queue}`}`,
    );
  }
}

/** A job payload that is not a Graflow job (bad version, missing fields). */
export class MalformedJobError extends GraflowError {
  constructor(readonly jobId: string, detail: string) {
    super('MALFORMED_JOB', `job '${jobId}' has a malformed payload: ${detail}`);
  }
}

/** A value written to Redis exceeds the configured limit. */
export class PayloadTooLargeError extends GraflowError {
  constructor(readonly what: string, readonly bytes: number, readonly limit: number) {
    super('PAYLOAD_TOO_LARGE', `${what} is ${bytes} bytes, over the configured limit maxPayloadBytes=${limit}`);
  }
}
