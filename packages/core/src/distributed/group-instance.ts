import type { Graph, GroupNode } from '../graph/types';
import { Barrier } from './barrier';
import { branchQueue } from './branch-queue';
import { DEFAULT_QUEUE, groupJobId } from './keys';
import type { RedisRuntime } from './redis-runtime';
import type { RunLimits } from './redis-run-state';

export type { RunLimits };


/** One dispatched instance of a group in a run: its barrier and its BullMQ identity. */
export interface GroupInstance {
  group: GroupNode;
  /** Absent when the graph could not be loaded (expired, corrupt): members are then `#<index>`. */
  graph?: Graph;
  runId: string;
  groupKey: string;
  barrier: Barrier;
  jobId: string;
  limits: RunLimits;
}

export function groupInstance(runtime: RedisRuntime, graph: Graph | undefined, group: GroupNode, runId: string, groupKey: string, limits: RunLimits): GroupInstance {
  return {
    group,
    graph,
    runId,
    groupKey,
    barrier: new Barrier(runtime.redis, runtime.keys(runId).barrier(groupKey), limits.ttlSeconds),
    jobId: groupJobId(runId, groupKey),
    limits,
  };
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
