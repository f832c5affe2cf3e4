import { InvalidOptionError } from '../errors';
import { shortHash } from '../graph/ids';

/**
 * The default BullMQ queue of a namespace (BullMQ's own `prefix` is the Graflow key prefix). It
 * carries branches of tasks that name no queue, and every group's finalization job.
 */
export const DEFAULT_QUEUE = 'tasks';

/** A queue name BullMQ and our keys accept; throws an error naming `option` otherwise. */
export function assertQueueName(name: unknown, option: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new InvalidOptionError(option, name, 'a queue name of letters, digits, _ or - (at most 64)');
  }
  return name;
}

/** Pub/sub channel on which group cancellations reach every worker of a namespace. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/**
 * What a cancel message names: one group instance of one run. The run id keeps a decision in one
 * run from reaching the branches of another run of the same workflow.
 */
export function cancelKey(runId: string, groupKey: string): string {
  return `${runId}/${groupKey}`;
}

/**
 * The cancel key every job of a run listens on, whatever its group: a cancelled run stops all
 * of its branches and its run job with one message. (A group key is hex, so '*' never is one.)
 */
export function runCancelKey(runId: string): string {
  return cancelKey(runId, '*');
}

/**
 * Pub/sub channel of one run: a message ('e' an event was appended, 'f' the run finished) wakes
 * whoever follows the run (`RunHandle.result()`, `events()`); the stored state is the truth.
 */
export function runChannel(prefix: string, runId: string): string {
  return `${prefix}:run:${runId}:notify`;
}

/** Identity of one group instance in a run: a short hash of its deterministic scope path. */
export function groupKeyOf(scopePath: string): string {
  // Every run of a workflow has the same few scope paths: hash each once, not on every run.
  let key = GROUP_KEYS.get(scopePath);
  if (key === undefined) {
    if (GROUP_KEYS.size >= GROUP_KEYS_CACHED) GROUP_KEYS.clear();
    key = shortHash(scopePath, 16);
    GROUP_KEYS.set(scopePath, key);
  }
  return key;
}

const GROUP_KEYS = new Map<string, string>();
/** Bounds the memo for processes that see endless distinct paths (loops with many visits). */
const GROUP_KEYS_CACHED = 10_000;

export interface BarrierKeys {
  meta: string;
  outcomes: string;
  /** The run's results hash, written with a lone-task branch's outcome. */
  results: string;
  /** The run's set of keys that follow its TTL. */
  runKeys: string;
  /** The run's set of group keys (every group instance it dispatched, for a run-wide cancel). */
  groups: string;
  /** The run's capped event stream (written only when the run has events on). */
  events: string;
  /** The run's control flags (sent to the waiter with a decision). */
  control: string;
  /**
   * The group's BullMQ job hash, whose progress a run with events keeps (see barrier-record);
   * absent where no job is known (the record then writes none).
   */
  groupJob?: string;
  /** Not a key: the group instance's id within the run, as registered in `groups`. */
  groupKey: string;
}

/**
 * Pub/sub channel of one producer client: the barrier tells it here when a group it waits on is
 * decided, so any number of waiting groups share one subscriber connection.
 */
export function wakeChannel(prefix: string, clientId: string): string {
  return `${prefix}:wake:${clientId}`;
}

/** The hash BullMQ keeps a job in (what its `QueueBase.toKey(jobId)` names). */
export function bullJobKey(prefix: string, queue: string, jobId: string): string {
  return `${prefix}:${queue}:${jobId}`;
}

/** Sorted set of the workers serving one queue, by last heartbeat (see worker-heartbeat.lua). */
export function workersKey(prefix: string, queue: string): string {
  return `${prefix}:workers:${queue}`;
}

/**
 * Every key of a run, scoped by run id under the key prefix, so concurrent runs of one workflow
 * never collide and a braced prefix keeps them in one Redis Cluster slot.
 */
export class RunKeys {
  readonly base: string;

  constructor(readonly prefix: string, readonly runId: string) {
    this.base = `${prefix}:run:${runId}`;
  }

  /** The run's own hash: status, name, createdAt, epoch, ttl (see run-claim.lua). */
  get meta(): string {
    return `${this.base}:meta`;
  }

  /** The set of the run's keys that follow its TTL (see run-touch.lua). */
  get runKeys(): string {
    return `${this.base}:keys`;
  }

  get results(): string {
    return `${this.base}:results`;
  }

  get control(): string {
    return `${this.base}:control`;
  }

  channel(key: string): string {
    return `${this.base}:ch:${key}`;
  }

  get channelIndex(): string {
    return `${this.base}:ch-index`;
  }

  /** Capped stream of the run's progress events (see lua/includes/emit-event.lua). */
  get events(): string {
    return `${this.base}:events`;
  }

  /** Set of the group keys of every group instance the run dispatched (see barrier-init). */
  get groups(): string {
    return `${this.base}:groups`;
  }

  journal(branchPath: string): string {
    return `${this.base}:journal:${shortHash(branchPath, 16)}`;
  }

  barrier(groupKey: string): BarrierKeys {
    const b = `${this.base}:group:${groupKey}`;
    return { meta: `${b}:meta`, outcomes: `${b}:outcomes`, results: this.results, runKeys: this.runKeys, groups: this.groups, events: this.events, control: this.control, groupKey };
  }
}

/**
 * BullMQ job ids (no ':' allowed): deterministic within a run, so re-dispatching a group is
 * idempotent; the run's epoch (a random tag of its claim) keeps a later run that reuses an
 * expired run id from colliding with jobs the earlier one left behind.
 */
export function groupJobId(runId: string, epoch: string, groupKey: string): string {
  return `${runId}-${epoch}-${groupKey}`;
}

/** The job id of a submitted run's root job (a group key is 16 hex characters, never 'run'). */
export function runJobId(runId: string, epoch: string): string {
  return `${runId}-${epoch}-run`;
}

export function branchJobId(runId: string, epoch: string, groupKey: string, index: number): string {
  return `${runId}-${epoch}-${groupKey}-b${index}`;
}
