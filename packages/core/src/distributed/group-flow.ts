import type { FlowJob } from 'bullmq';
import { decodeValue } from '../codec/value-codec';
import { GroupTimeoutError, NoWorkerActivityError, ParallelGroupError, type BranchFailure } from '../errors';
import type { Graph, GroupNode } from '../graph/types';
import { decidePolicy, describePolicy } from '../policies/policy';
import { Barrier, type Decision } from './barrier';
import { branchQueue } from './branch-queue';
import { branchJobId, cancelChannel, DEFAULT_QUEUE, groupJobId, groupKeyOf } from './keys';
import type { BranchJobData, GroupJobData, GroupTimeoutJobData } from './job-data';
import type { RedisRuntime } from './redis-runtime';

export interface GroupInstance {
  group: GroupNode;
  runId: string;
  groupKey: string;
  barrier: Barrier;
  jobId: string;
  /** The BullMQ queue of each branch, by index. */
  queues: string[];
}

export interface DispatchInput {
  runtime: RedisRuntime;
  runId: string;
  graph: Graph;
  group: GroupNode;
  /** Scope path of the group instance (`.../groupId@visit`). */
  path: string;
  /** Group keys of enclosing distributed groups. */
  outerCancelKeys: string[];
  /** The branch job that starts a nested group; its children then include this group. */
  parent?: { id: string; queue: string };
}

/** The queue of each branch of `group` (validated: a branch names one queue). */
export function branchQueues(graph: Graph, group: GroupNode): string[] {
  return group.members.map((memberId) => branchQueue(graph, memberId));
}

export function instanceFromKey(runtime: RedisRuntime, runId: string, group: GroupNode, groupKey: string, queues: string[]): GroupInstance {
  return {
    group,
    runId,
    groupKey,
    barrier: new Barrier(runtime.redis, runtime.keys(runId).barrier(groupKey), runtime.settings.ttlSeconds),
    jobId: groupJobId(runId, groupKey),
    queues,
  };
}

/**
 * Starts a distributed group: the barrier first, then one BullMQ flow (parent = the group,
 * children = the branches). Job ids are deterministic, so a re-run that dispatches again adds
 * nothing twice.
 */
export async function dispatchGroup(input: DispatchInput): Promise<GroupInstance> {
  const { runtime, runId, graph, group, path } = input;
  const instance = instanceFromKey(runtime, runId, group, groupKeyOf(path), branchQueues(graph, group));
  const created = await instance.barrier.init(group.members.length, group.policy, group.members, group.id);
  // An existing barrier means a re-run reached this group: dispatch again only if the flow never went out.
  if (!created && (await instance.barrier.meta())?.dispatched) return instance;
  const graphHash = await runtime.graphHash(graph);
  const cancelKeys = [...input.outerCancelKeys, instance.groupKey];
  const retention = { age: runtime.settings.ttlSeconds };
  const children: FlowJob[] = group.members.map((memberId, index) => {
    const member = graph.nodes[memberId]!;
    const data: BranchJobData = { v: 1, runId, graphHash, nodeId: memberId, groupId: group.id, groupKey: instance.groupKey, branchIndex: index, path: `${path}/${memberId}`, cancelKeys };
    // A lone task's retries are BullMQ attempts; a chain retries task by task inside the branch.
    const retry = member.kind === 'task' && member.options.attempts > 1
      ? { attempts: member.options.attempts, backoff: { type: member.options.backoff.type, delay: member.options.backoff.delayMs } }
      : { attempts: 1 };
    return {
      name: 'branch',
      queueName: instance.queues[index]!,
      data,
      opts: { jobId: branchJobId(runId, instance.groupKey, index), ...retry, ignoreDependencyOnFailure: true, removeOnComplete: retention, removeOnFail: retention },
    };
  });
  const data: GroupJobData = {
    v: 1, runId, graphHash, groupId: group.id, groupKey: instance.groupKey, branches: group.members.length, members: group.members, policy: group.policy, queues: instance.queues,
    ...(group.name ? { name: group.name } : {}),
  };
  await runtime.flows.add({
    name: 'group',
    queueName: DEFAULT_QUEUE,
    data,
    opts: {
      jobId: instance.jobId,
      removeOnComplete: retention,
      removeOnFail: retention,
      ...(input.parent ? { parent: input.parent, ignoreDependencyOnFailure: true } : {}),
    },
    children,
  });
  if (group.timeoutMs !== undefined) {
    // A delayed job enforces the timeout even while no process waits on the group (nested groups).
    const timeout: GroupTimeoutJobData = { v: 1, runId, graphHash, groupId: group.id, groupKey: instance.groupKey };
    await runtime.queue.add('group-timeout', timeout, { jobId: `${instance.jobId}-timeout`, delay: group.timeoutMs, removeOnComplete: true, removeOnFail: retention });
  }
  await instance.barrier.markDispatched();
  return instance;
}

/**
 * After a failure decision: tell running branches (pub/sub, fires their signals) and remove the
 * branches still waiting, so nothing is left to run and the parent job is never stuck.
 */
export async function cancelGroup(runtime: RedisRuntime, instance: GroupInstance): Promise<void> {
  await runtime.redis.publish(cancelChannel(runtime.prefix), instance.groupKey);
  const recorded = await instance.barrier.outcomes();
  const removals: Promise<unknown>[] = [];
  for (let i = 0; i < instance.group.members.length; i++) {
    if (recorded.has(i)) continue;
    removals.push(runtime.queueFor(instance.queues[i]!).remove(branchJobId(instance.runId, instance.groupKey, i)).catch(() => 0));
  }
  await Promise.all(removals);
}

/** A custom policy is evaluated where an outcome arrives; built-in ones decide inside Lua. */
export async function applyCustomPolicy(instance: GroupInstance): Promise<Decision | undefined> {
  const spec = instance.group.policy;
  if (typeof spec !== 'object' || !('custom' in spec)) return undefined;
  const { succeeded, failed } = await readOutcomes(instance);
  const decision = decidePolicy(spec, { total: instance.group.members.length, succeeded: Object.keys(succeeded), failed: failed.map((f) => f.taskId) });
  if (decision === 'pending') return undefined;
  return (await instance.barrier.decide(decision, 'custom policy')) ? decision : undefined;
}

export async function readOutcomes(instance: GroupInstance): Promise<{ succeeded: Record<string, unknown>; failed: BranchFailure[] }> {
  const succeeded: Record<string, unknown> = {};
  const failed: BranchFailure[] = [];
  for (const [index, { ok, late, payload }] of await instance.barrier.outcomes()) {
    if (late) continue;
    const memberId = instance.group.members[index]!;
    if (ok) succeeded[memberId] = decodeValue(payload);
    else failed.push({ taskId: memberId, error: remoteError(decodeValue(payload)) });
  }
  return { succeeded, failed };
}

/** The group's value once decided, or the error its decision means. */
export async function settleDecided(instance: GroupInstance, decision: Decision, reason: string | undefined, runtimePrefix: string): Promise<Record<string, unknown>> {
  const { succeeded, failed } = await readOutcomes(instance);
  if (decision === 'succeeded') {
    return Object.fromEntries(instance.group.members.filter((m) => m in succeeded).map((m) => [m, succeeded[m]]));
  }
  const { group } = instance;
  if (reason === 'timeout') throw new GroupTimeoutError(group.id, group.timeoutMs ?? 0, group.members.filter((m) => !(m in succeeded) && !failed.some((f) => f.taskId === m)));
  if (reason === 'no-worker') throw new NoWorkerActivityError(group.id, runtimePrefix, 0);
  const order = (id: string) => group.members.indexOf(id);
  failed.sort((a, b) => order(a.taskId) - order(b.taskId));
  throw new ParallelGroupError(group.id, failed, group.members.filter((m) => m in succeeded), describePolicy(group.policy));
}

/** Error summaries cross Redis as { name, message, code }; rebuild an Error with those fields. */
export function remoteError(summary: unknown): Error {
  const s = (summary ?? {}) as { name?: string; message?: string; code?: string };
  const err = new Error(s.message ?? 'branch failed');
  err.name = s.name ?? 'Error';
  if (s.code) (err as Error & { code?: string }).code = s.code;
  return err;
}

export function errorSummary(err: unknown): { name: string; message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}
