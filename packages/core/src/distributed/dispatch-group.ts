import type { FlowJob } from 'bullmq';
import type { Graph, GroupNode } from '../graph/types';
import { taskOptionsOf } from '../options/task-options';
import { branchQueueOf, groupInstance, type GroupInstance, type RunRef } from './group-instance';
import { branchJobId, cancelKey, DEFAULT_QUEUE, groupKeyOf } from './keys';
import { addGroupFlow } from './flow-chunks';
import { JOB_PAYLOAD_VERSION, jobDisplayName, type BranchJobData, type GateJobData, type GroupJobData, type GroupTimeoutJobData } from './job-data';
import type { RedisRuntime } from './redis-runtime';

export interface DispatchInput {
  runtime: RedisRuntime;
  run: RunRef;
  graph: Graph;
  group: GroupNode;
  /** Scope path of the group instance (`.../groupId@visit`). */
  path: string;
  /** Cancel keys of enclosing distributed groups. */
  outerCancelKeys: string[];
  /** The branch job that starts a nested group; its children then include this group. */
  parent?: { id: string; queue: string };
}

/**
 * Starts a distributed group: the barrier first, then one BullMQ flow (parent = the group,
 * children = the branches). Job ids are deterministic, so a re-run that dispatches again adds
 * nothing twice.
 */
export async function dispatchGroup(input: DispatchInput): Promise<GroupInstance> {
  const { runtime, run: runRef, graph, group, path } = input;
  const { runId, epoch, limits } = runRef;
  const instance = groupInstance(runtime, graph, group, runRef, groupKeyOf(path));
  const graphHash = await runtime.graphHash(graph);
  let initialized: Promise<unknown>;
  if (input.parent) {
    // A replayed branch may reach its nested group again: dispatch only if the flow never went out.
    const created = await instance.barrier.init(group.members.length, group.policy, group.members, group.id);
    if (!created && (await instance.barrier.meta())?.dispatched) return instance;
    initialized = Promise.resolve();
  } else {
    // A producer's group is new (its run was just claimed): the barrier's creation is sent ahead of
    // the flow on the same connection, so Redis runs it first, without a round trip between them.
    initialized = instance.barrier.init(group.members.length, group.policy, group.members, group.id);
  }
  const run = {
    v: JOB_PAYLOAD_VERSION, runId, epoch, graphHash, groupId: group.id, groupKey: instance.groupKey, ttl: limits.ttlSeconds, maxPayloadBytes: limits.maxPayloadBytes,
    ...(runRef.notify ? { notify: runRef.notify } : {}),
    ...(runRef.events ? { events: true } : {}),
  } as const;
  const cancelKeys = [...input.outerCancelKeys, cancelKey(runId, instance.groupKey)];
  const retention = { age: limits.ttlSeconds };
  const branchJob = (index: number): FlowJob => {
    const memberId = group.members[index]!;
    const member = graph.nodes[memberId]!;
    const data: BranchJobData = { ...run, kind: 'branch', nodeId: memberId, branchIndex: index, path: `${path}/${memberId}`, cancelKeys };
    // A lone task's retries are BullMQ attempts; a chain retries task by task inside the branch.
    const options = member.kind === 'task' ? taskOptionsOf(member) : undefined;
    const retry = options && options.attempts > 1
      ? { attempts: options.attempts, backoff: { type: options.backoff.type, delay: options.backoff.delayMs } }
      : { attempts: 1 };
    return {
      name: jobDisplayName(data),
      queueName: branchQueueOf(instance, index),
      data,
      opts: { jobId: branchJobId(runId, epoch, instance.groupKey, index), ...retry, ignoreDependencyOnFailure: true, removeOnComplete: retention, removeOnFail: retention },
    };
  };
  const data: GroupJobData = { ...run, kind: 'group', branches: group.members.length, ...(group.name ? { name: group.name } : {}) };
  const parentJob: FlowJob = {
    name: jobDisplayName(data),
    queueName: DEFAULT_QUEUE,
    data,
    opts: {
      jobId: instance.jobId,
      removeOnComplete: retention,
      removeOnFail: retention,
      ...(input.parent ? { parent: input.parent, ignoreDependencyOnFailure: true } : {}),
    },
  };
  const gate: GateJobData = { ...run, kind: 'gate' };
  await addGroupFlow(runtime, parentJob, group.members.length, branchJob, initialized, gate);
  if (group.timeoutMs !== undefined) {
    // A delayed job enforces the timeout even while no process waits on the group (nested groups).
    const timeout: GroupTimeoutJobData = { ...run, kind: 'group-timeout' };
    await runtime.queue.add(jobDisplayName(timeout), timeout, { jobId: `${instance.jobId}-timeout`, delay: group.timeoutMs, removeOnComplete: true, removeOnFail: retention });
  }
  // Only a replayed branch (nested groups, the waiting-children path) dispatches a group again;
  // a producer's group is dispatched once per run, so it skips this round trip.
  if (input.parent) await instance.barrier.markDispatched();
  return instance;
}
