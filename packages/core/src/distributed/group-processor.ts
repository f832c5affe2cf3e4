import { UnrecoverableError, type Job } from 'bullmq';
import { BarrierGoneError, BranchStalledError } from '../errors';
import { BranchRemovedError } from '../errors/run-errors';
import type { Graph, GroupNode } from '../graph/types';
import { cancelGroup } from './cancel';
import { groupInstance, stubGroup } from './group-instance';
import type { GroupJobData, GroupTimeoutJobData } from './job-data';
import { encodeErrorSummary, readOutcomes } from './outcomes';
import { isUnloadableGraph, type ProcessorContext } from './processor-context';

/** A child job key ends with `-b<index>` (see `branchJobId`). */
const BRANCH_INDEX = /-b(\d+)$/;

/**
 * The flow's parent job, run once every branch job has ended. It reconciles branches that ended
 * without an outcome (removed, stalled out, no graph) so the barrier always closes, then completes
 * or fails to match the group's decision, so Bull Board tells the truth.
 */
export async function processGroup(ctx: ProcessorContext, job: Job, data: GroupJobData): Promise<unknown> {
  const { runtime } = ctx;
  const loaded = await loadGraphOrNothing(ctx, data.graphHash);
  const group: GroupNode = loaded ? ctx.groupOf(loaded, data.groupId, job.id!) : stubGroup(data.groupId, data.branches);
  const instance = groupInstance(runtime, loaded, group, ctx.runOf(data), data.groupKey);
  let meta = await instance.barrier.meta();
  if (!meta) throw new BarrierGoneError(data.groupId, data.runId, runtime.prefix);
  if (!meta.decided) {
    const recorded = await instance.barrier.outcomes();
    // One read for every failed child's reason, instead of one per child.
    const reasons = new Map<number, string>();
    for (const [key, reason] of Object.entries(await job.getIgnoredChildrenFailures())) {
      const index = BRANCH_INDEX.exec(key)?.[1];
      if (index !== undefined) reasons.set(Number(index), reason);
    }
    for (let i = 0; i < group.members.length; i++) {
      if (recorded.has(i)) continue;
      const payload = encodeErrorSummary(endedWithoutOutcome(group.members[i]!, reasons.get(i)), 'error', instance.limits.maxPayloadBytes);
      await ctx.afterRecord(instance, await instance.barrier.record(i, 'fail', payload));
    }
    meta = await instance.barrier.meta();
    if (!meta?.decided) await instance.barrier.decide('failed', 'undecided after every branch ended');
    meta = await instance.barrier.meta();
  }
  const counts = { done: meta!.done, ok: meta!.ok, fail: meta!.fail };
  // A succeeded group's return value is its counts: reading every outcome here would cost the
  // whole group's payloads once more, for a summary nobody needs.
  if (meta!.decided === 'succeeded') return { status: 'succeeded', ...counts };
  const { failed } = await readOutcomes(instance);
  const shown = failed.slice(0, MAX_FAILURES_SHOWN).map((f) => ({ taskId: f.taskId, error: f.error.message }));
  const detail = shown.map((f) => `${f.taskId}: ${f.error}`).join('; ') || meta!.decidedReason || 'decided failed';
  throw new UnrecoverableError(`parallel group '${data.groupId}' failed (${counts.fail} of ${group.members.length} branches failed): ${detail}`);
}

/** Failures named in a failed group job's reason; the rest are counted. */
const MAX_FAILURES_SHOWN = 20;

/** Why a branch job ended without recording an outcome, as the error its group reports. */
function endedWithoutOutcome(memberId: string, reason: string | undefined): Error {
  if (reason && STALLED_OUT.test(reason)) return new BranchStalledError(memberId, reason);
  return new BranchRemovedError(memberId, reason);
}

/** BullMQ's failedReason for a job moved to failed by its stalled-job check. */
const STALLED_OUT = /stalled more than allowable limit/i;

/** The graph, or undefined when it is gone or corrupt: finalizing must still close the barrier. */
async function loadGraphOrNothing(ctx: ProcessorContext, hash: string): Promise<Graph | undefined> {
  try {
    return await ctx.loadGraph(hash);
  } catch (err) {
    if (isUnloadableGraph(err)) return undefined;
    throw err;
  }
}

/** A delayed job that fails the group if it is still undecided when its timeout passes. */
export async function processGroupTimeout(ctx: ProcessorContext, job: Job, data: GroupTimeoutJobData): Promise<unknown> {
  const graph = await ctx.loadGraph(data.graphHash);
  const group = ctx.groupOf(graph, data.groupId, job.id!);
  const instance = groupInstance(ctx.runtime, graph, group, ctx.runOf(data), data.groupKey);
  // A timeout for a group whose barrier is gone must fail visibly, not complete as if it fired.
  if (!(await instance.barrier.meta())) throw new BarrierGoneError(data.groupId, data.runId, ctx.runtime.prefix);
  if (await instance.barrier.decide('failed', 'timeout')) await cancelGroup(ctx.runtime, instance);
  return { groupId: data.groupId, timedOut: true };
}
