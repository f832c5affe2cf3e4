import { Job, UnrecoverableError } from 'bullmq';
import { encodeValue } from '../codec/value-codec';
import type { GroupNode } from '../graph/types';
import { branchQueues, cancelGroup, errorSummary, instanceFromKey, readOutcomes } from './group-flow';
import { parseGroupJobData, parseGroupTimeoutJobData } from './job-data';
import { branchJobId, DEFAULT_QUEUE } from './keys';
import type { ProcessorContext } from './processor-context';

/**
 * The flow's parent job, run once every branch job has ended. It reconciles branches that ended
 * without an outcome (removed, stalled out) so the barrier always closes, then completes or fails
 * to match the group's decision, so Bull Board tells the truth.
 */
export async function processGroup(ctx: ProcessorContext, job: Job): Promise<unknown> {
  const data = parseGroupJobData(job.id!, job.data);
  const { runtime } = ctx;
  // The job carries what finalizing needs, so a lost graph still yields a clear group failure.
  const group: GroupNode = { kind: 'group', id: data.groupId, members: data.members, policy: data.policy };
  const queues = data.queues ?? data.members.map(() => DEFAULT_QUEUE);
  const instance = instanceFromKey(runtime, data.runId, group, data.groupKey, queues);
  let meta = await instance.barrier.meta();
  if (!meta) throw new UnrecoverableError(`the barrier of group '${data.groupId}' (run ${data.runId}) is gone`);
  if (!meta.decided) {
    const recorded = await instance.barrier.outcomes();
    for (let i = 0; i < data.members.length; i++) {
      if (recorded.has(i)) continue;
      const child = await Job.fromId(runtime.queueFor(queues[i]!), branchJobId(data.runId, data.groupKey, i));
      const reason = child?.failedReason || 'the branch job ended without reporting an outcome (removed, or stalled too many times)';
      const payload = encodeValue(errorSummary(new Error(reason)), 'error', runtime.settings.maxPayloadBytes);
      await ctx.afterRecord(instance, await instance.barrier.record(i, 'fail', payload));
    }
    meta = await instance.barrier.meta();
    if (!meta?.decided) await instance.barrier.decide('failed', 'undecided after every branch ended');
    meta = await instance.barrier.meta();
  }
  const { succeeded, failed } = await readOutcomes(instance);
  const summary = { status: meta!.decided, succeeded: Object.keys(succeeded), failed: failed.map((f) => ({ taskId: f.taskId, error: f.error.message })) };
  if (meta!.decided === 'succeeded') return summary;
  const detail = summary.failed.map((f) => `${f.taskId}: ${f.error}`).join('; ') || meta!.decidedReason || 'decided failed';
  throw new UnrecoverableError(`parallel group '${data.groupId}' failed: ${detail}`);
}

/** A delayed job that fails the group if it is still undecided when its timeout passes. */
export async function processGroupTimeout(ctx: ProcessorContext, job: Job): Promise<unknown> {
  const data = parseGroupTimeoutJobData(job.id!, job.data);
  const graph = await ctx.loadGraph(data.graphHash);
  const group = ctx.groupOf(graph, data.groupId, job.id!);
  const instance = instanceFromKey(ctx.runtime, data.runId, group, data.groupKey, branchQueues(graph, group));
  if (await instance.barrier.decide('failed', 'timeout')) await cancelGroup(ctx.runtime, instance);
  return { groupId: data.groupId, timedOut: true };
}
