import type { FlowJob, JobsOptions } from 'bullmq';
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
  // Each job's data is built field by field from these (see `jobOfGroup`).
  const run: GroupJobCommon = { v: JOB_PAYLOAD_VERSION, runId, epoch, graphHash, groupId: group.id, groupKey: instance.groupKey, ttl: limits.ttlSeconds, maxPayloadBytes: limits.maxPayloadBytes };
  if (runRef.notify) run.notify = runRef.notify;
  if (runRef.events) run.events = true;
  const cancelKeys = [...input.outerCancelKeys, cancelKey(runId, instance.groupKey)];
  const retention = { age: limits.ttlSeconds };
  const branchJob = (index: number): FlowJob => {
    const memberId = group.members[index]!;
    const member = graph.nodes[memberId]!;
    const data = jobOfGroup<BranchJobData>(run, { kind: 'branch', nodeId: memberId, branchIndex: index, path: `${path}/${memberId}`, cancelKeys });
    // A lone task's retries are BullMQ attempts; a chain retries task by task inside the branch.
    const options = member.kind === 'task' ? taskOptionsOf(member) : undefined;
    const opts: JobsOptions = { jobId: branchJobId(runId, epoch, instance.groupKey, index), attempts: 1, ignoreDependencyOnFailure: true, removeOnComplete: retention, removeOnFail: retention };
    if (options && options.attempts > 1) {
      opts.attempts = options.attempts;
      opts.backoff = { type: options.backoff.type, delay: options.backoff.delayMs };
    }
    return { name: jobDisplayName(data), queueName: branchQueueOf(instance, index), data, opts };
  };
  const data = jobOfGroup<GroupJobData>(run, group.name ? { kind: 'group', branches: group.members.length, name: group.name } : { kind: 'group', branches: group.members.length });
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
  const gate = jobOfGroup<GateJobData>(run, { kind: 'gate' });
  await addGroupFlow(runtime, parentJob, group.members.length, branchJob, initialized, gate);
  if (group.timeoutMs !== undefined) {
    // A delayed job enforces the timeout even while no process waits on the group (nested groups).
    const timeout = jobOfGroup<GroupTimeoutJobData>(run, { kind: 'group-timeout' });
    await runtime.queue.add(jobDisplayName(timeout), timeout, { jobId: `${instance.jobId}-timeout`, delay: group.timeoutMs, removeOnComplete: true, removeOnFail: retention });
  }
  // Only a replayed branch (nested groups, the waiting-children path) dispatches a group again;
  // a producer's group is dispatched once per run, so it skips this round trip.
  if (input.parent) await instance.barrier.markDispatched();
  return instance;
}

/** What every job of a group instance carries. */
type GroupJobCommon = Omit<GroupJobData, 'kind' | 'branches' | 'name'>;

/**
 * A job's data: the group's common fields, then its own. Copied field by field, not
 * `{ ...common, kind, ... }`: V8 (Node 20) adds properties after an object spread on a slow path,
 * and a branch's data built that way cost 4 µs, more than BullMQ's own serialization of the job.
 */
function jobOfGroup<T extends BranchJobData | GroupJobData | GateJobData | GroupTimeoutJobData>(common: GroupJobCommon, own: Omit<T, keyof GroupJobCommon>): T {
  const data: GroupJobCommon = {
    v: common.v, runId: common.runId, epoch: common.epoch, graphHash: common.graphHash, groupId: common.groupId, groupKey: common.groupKey, ttl: common.ttl, maxPayloadBytes: common.maxPayloadBytes,
  };
  if (common.notify !== undefined) data.notify = common.notify;
  if (common.events) data.events = true;
  return Object.assign(data, own) as T;
}
