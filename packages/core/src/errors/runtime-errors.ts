import { GraflowError } from './graflow-error';

/** A node names a task this process has not registered (e.g. a worker missing a tasks module). */
export class UnknownTaskError extends GraflowError {
  static override readonly errorName: string = 'UnknownTaskError';

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
  static override readonly errorName: string = 'TaskTimeoutError';

  constructor(readonly taskId: string, readonly timeoutMs: number) {
    super('TASK_TIMEOUT', `task '${taskId}' timed out after ${timeoutMs} ms`);
  }
}

export class GroupTimeoutError extends GraflowError {
  static override readonly errorName: string = 'GroupTimeoutError';

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
  static override readonly errorName: string = 'ParallelGroupError';

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
  static override readonly errorName: string = 'CycleLimitExceededError';

  constructor(readonly nodeId: string, readonly maxCycles: number) {
    super('CYCLE_LIMIT', `node '${nodeId}' would run more than maxCycles=${maxCycles} times`);
  }
}

export class WorkflowCancelledError extends GraflowError {
  static override readonly errorName: string = 'WorkflowCancelledError';

  constructor(readonly reason?: string) {
    super('CANCELLED', `workflow cancelled${reason ? `: ${reason}` : ''}`);
  }
}

/** A goto targets a node outside the parallel branch the task runs in. */
export class GotoOutOfBranchError extends GraflowError {
  static override readonly errorName: string = 'GotoOutOfBranchError';

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
  static override readonly errorName: string = 'ResultNotFoundError';

  constructor(readonly nodeId: string) {
    super('RESULT_NOT_FOUND', `no result recorded for node '${nodeId}' in this run (not run yet, or it failed)`);
  }
}

/**
 * Redis could not be reached: at connect (within `connectTimeoutMs`), or during a run for longer
 * than `redisUnavailableTimeoutMs`. Names host:port and the key prefix; the cause is ioredis'.
 */
export class GraflowConnectionError extends GraflowError {
  static override readonly errorName: string = 'GraflowConnectionError';

  constructor(readonly address: string, readonly keyPrefix: string, cause?: unknown, message?: string) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('REDIS_UNREACHABLE', message ?? `cannot reach Redis at ${address} (key prefix '${keyPrefix}')${why}`, { cause });
  }

  /** A run stopped waiting because Redis stayed away too long. */
  static unavailable(address: string, keyPrefix: string, timeoutMs: number): GraflowConnectionError {
    return new GraflowConnectionError(
      address,
      keyPrefix,
      undefined,
      `Redis at ${address} (key prefix '${keyPrefix}') was unreachable for ${timeoutMs} ms (redisUnavailableTimeoutMs); ` +
        'the run stopped waiting. Work already done stays in Redis until the run\'s TTL; run it again once Redis is back',
    );
  }
}

/**
 * Redis answered but refuses what the namespace needs: the ACL user's keys or channels do not
 * cover the key prefix (NOPERM), or the database cannot be selected. Retrying cannot help, so
 * the message says what to change.
 */
export class RedisAccessError extends GraflowConnectionError {
  static override readonly errorName: string = 'RedisAccessError';

  constructor(address: string, keyPrefix: string, message: string, cause: unknown) {
    super(address, keyPrefix, cause, message);
  }
}

/** What the producer observed when it gave up on a queue (see `NoWorkerActivityError`). */
export interface NoWorkerObservation {
  groupId: string;
  keyPrefix: string;
  queue: string;
  /** How long the group waited with no live worker on the queue. */
  waitedMs: number;
  /** The Redis database the producer looked in. */
  db?: number;
  /** A sharded namespace: how many shards, and the shard (its own prefix) the group lives in. */
  shards?: number;
  shardPrefix?: string;
  /** The last worker seen serving the queue, when one ever was, and how long ago. */
  lastWorker?: string;
  lastSeenAgoMs?: number;
}

/**
 * A queue the group needs had no live worker for `noWorkerTimeoutMs`. The message says what was
 * seen: workers that served the queue and are gone, or none ever (a prefix, database or queue
 * mismatch, or no worker started).
 */
export class NoWorkerActivityError extends GraflowError {
  static override readonly errorName: string = 'NoWorkerActivityError';

  readonly groupId: string;
  readonly keyPrefix: string;
  readonly queue: string;
  readonly waitedMs: number;

  constructor(readonly observation: NoWorkerObservation) {
    const { groupId, keyPrefix, queue, waitedMs, db, lastWorker, lastSeenAgoMs, shards, shardPrefix } = observation;
    const shard = shards && shards > 1 ? ` (shard '${shardPrefix}' of ${shards})` : '';
    const where = `queue '${queue}' under key prefix '${keyPrefix}'${shard}${db ? ` in database ${db}` : ''}`;
    const flags = `--redis-key-prefix ${keyPrefix}${shards && shards > 1 ? ` --redis-shards ${shards}` : ''}${queue === 'tasks' ? '' : ` --queues ${queue}`}`;
    super(
      'NO_WORKER_ACTIVITY',
      lastWorker
        ? `parallel group '${groupId}' waited ${waitedMs} ms with no live worker on ${where}: workers served it before ` +
            `(last seen: ${lastWorker}, ${Math.round((lastSeenAgoMs ?? 0) / 1000)} s ago) and are gone; restart them or find out why they stopped`
        : `parallel group '${groupId}' waited ${waitedMs} ms and no worker has ever served ${where}; ` +
            `start workers with ${flags} on the same Redis${db ? ` and database (${db})` : ''}`,
    );
    this.groupId = groupId;
    this.keyPrefix = keyPrefix;
    this.queue = queue;
    this.waitedMs = waitedMs;
  }
}

/** A run id is still in use under the prefix: ids name one run for the run's whole TTL. */
export class RunIdInUseError extends GraflowError {
  static override readonly errorName: string = 'RunIdInUseError';

  constructor(readonly runId: string, readonly keyPrefix: string, readonly status: string) {
    super(
      'RUN_ID_IN_USE',
      `run id '${runId}' is already used under key prefix '${keyPrefix}' (status: ${status || 'unknown'}); ` +
        'a run id names one run until its keys expire (runTtlSeconds): omit runId for a fresh one, or use getRun() to follow that run',
    );
  }
}

/** A group's barrier vanished while the run waited on it (keys flushed or evicted). */
export class BarrierGoneError extends GraflowError {
  static override readonly errorName: string = 'BarrierGoneError';

  constructor(readonly groupId: string, readonly runId: string, readonly keyPrefix: string) {
    super(
      'BARRIER_GONE',
      `the barrier of parallel group '${groupId}' (run ${runId}) disappeared from Redis under key prefix '${keyPrefix}' while the run waited; ` +
        'its keys were deleted or evicted (check FLUSHDB/FLUSHALL and maxmemory-policy: use noeviction)',
    );
  }
}

/** A branch's worker stopped (killed, crashed, or a blocked event loop) more times than allowed. */
export class BranchStalledError extends GraflowError {
  static override readonly errorName: string = 'BranchStalledError';

  constructor(readonly taskId: string, detail: string) {
    super(
      'BRANCH_STALLED',
      `branch '${taskId}' was abandoned by its worker more often than maxStalledCount allows (${detail}); it is not run again. ` +
        'Find out why workers die (OOM kills, crashes, a blocked event loop), or raise --max-stalled-count (GRAFLOW_MAX_STALLED_COUNT)',
    );
  }
}

/** A job payload that is not a Graflow job (bad version, missing fields). */
export class MalformedJobError extends GraflowError {
  static override readonly errorName: string = 'MalformedJobError';

  constructor(readonly jobId: string, detail: string) {
    super('MALFORMED_JOB', `job '${jobId}' has a malformed payload: ${detail}`);
  }
}

/** A value written to Redis exceeds the configured limit. */
export class PayloadTooLargeError extends GraflowError {
  static override readonly errorName: string = 'PayloadTooLargeError';

  constructor(readonly what: string, readonly bytes: number, readonly limit: number) {
    super('PAYLOAD_TOO_LARGE', `${what} is ${bytes} bytes, over the configured limit maxPayloadBytes=${limit}`);
  }
}
