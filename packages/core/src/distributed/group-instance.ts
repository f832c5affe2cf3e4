import type { Graph, GroupNode } from '../graph/types';
import { Barrier } from './barrier';
import { branchQueue } from './branch-queue';
import { bullJobKey, cancelKey, DEFAULT_QUEUE, groupJobId, runChannel } from './keys';
import type { RedisRuntime } from './redis-runtime';
import type { RunLimits } from './run-limits';

export type { RunLimits };


/** What identifies a run to its jobs: id, claim epoch, limits, and who waits on its groups. */
export interface RunRef {
  runId: string;
  epoch: string;
  limits: RunLimits;
  /** The waiting producer's wake channel; absent for nested groups (their waiter is a job). */
  notify?: string;
  /** The run reports progress events (every submitted run; run() with onEvent). */
  events?: boolean;
}

/** One dispatched instance of a group in a run: its barrier and its BullMQ identity. */
export interface GroupInstance {
  group: GroupNode;
  /** Absent when the graph could not be loaded (expired, corrupt): members are then `#<index>`. */
  graph?: Graph;
  run: RunRef;
  runId: string;
  groupKey: string;
  barrier: Barrier;
  jobId: string;
  limits: RunLimits;
}

export function groupInstance(runtime: RedisRuntime, graph: Graph | undefined, group: GroupNode, run: RunRef, groupKey: string): GroupInstance {
  const { runId, limits } = run;
  const wake = run.notify ? { channel: run.notify, message: cancelKey(runId, groupKey) } : undefined;
  const jobId = groupJobId(runId, run.epoch, groupKey);
  const keys = runtime.keys(runId).barrier(groupKey);
  // Only a run with events keeps its group job's progress: other records carry no job key.
  if (run.events) keys.groupJob = bullJobKey(runtime.prefix, DEFAULT_QUEUE, jobId);
  const instance: GroupInstance = {
    group,
    run,
    runId,
    groupKey,
    barrier: new Barrier(runtime.redis, keys, limits.ttlSeconds, wake, run.events ? runChannel(runtime.prefix, runId) : ''),
    jobId,
    limits,
  };
  if (graph) instance.graph = graph;
  return instance;
}

/** The run a job belongs to, as its data names it (limits under the worker's ceiling). */
export function runOfJob(data: { runId: string; epoch: string; notify?: string; events?: boolean }, limits: RunLimits): RunRef {
  return { runId: data.runId, epoch: data.epoch, limits, ...(data.notify ? { notify: data.notify } : {}), ...(data.events ? { events: true } : {}) };
}

/**
 * The BullMQ queue of branch `index`. Computed for one branch when it is needed (dispatch, a
 * cancel), never for every member while processing one branch.
 */
export function branchQueueOf(instance: GroupInstance, index: number): string {
  return instance.graph ? branchQueue(instance.graph, instance.group.members[index]!) : DEFAULT_QUEUE;
}

/** What a job that cannot load its graph still knows of its group: the id and the branch count. */
export function stubGroup(groupId: string, branches: number): GroupNode {
  return { kind: 'group', id: groupId, members: Array.from({ length: branches }, (_, i) => `#${i}`), policy: 'strict' };
}
