import { WorkflowCancelledError } from '../../errors';
import { RunNotFoundError } from '../../errors/run-errors';
import { Barrier } from '../barrier';
import { publishRunCancel } from '../cancel';
import { groupJobId, runChannel, runJobId } from '../keys';
import type { RedisRuntime } from '../redis-runtime';
import { FinishCode, finishRun, TERMINAL_STATUSES } from './finish-run';
import { runLimitsOf } from './run-meta';

/**
 * Cancels a run from any process: every undecided group is decided failed ('cancelled'), the
 * run ends `cancelled` (its followers wake), every job of the run hears it (running tasks get
 * their AbortSignal), and what waits is removed (the groups' waiting branches; the run job if it
 * has not started). Whatever is running winds down on its own; nothing waits for it. False
 * when the run had already ended.
 */
export async function cancelRun(runtime: RedisRuntime, runId: string, reason?: string): Promise<boolean> {
  const { redis, prefix } = runtime;
  const keys = runtime.keys(runId);
  const [status, epoch, ttl, events] = await redis.hmget(keys.meta, 'status', 'epoch', 'ttl', 'events');
  if (status === null) throw new RunNotFoundError(runId, prefix);
  if (TERMINAL_STATUSES.includes(status)) return false;
  const run = { runId, limits: runLimitsOf(ttl), events: events === '1' };
  await runtime.runState(runId, run.limits).setControl({ kind: 'cancelled', ...(reason === undefined ? {} : { reason }) });
  // Groups first, so they end as cancelled, not failed by the branches the signal stops.
  const groups = await redis.smembers(keys.groups);
  const decided = await Promise.all(groups.map(async (groupKey) => {
    const barrier = new Barrier(redis, keys.barrier(groupKey), run.limits.ttlSeconds, undefined, run.events ? runChannel(prefix, runId) : '');
    return (await barrier.decide('failed', 'cancelled')) ? groupKey : undefined;
  }));
  const finished = await finishRun(runtime, run, { status: 'cancelled', error: new WorkflowCancelledError(reason) });
  await publishRunCancel(redis, prefix, runId, reason);
  await Promise.all(decided.map((groupKey) => groupKey && removeWaitingBranches(runtime, groupJobId(runId, epoch ?? '', groupKey))));
  // Removed only when nothing under it runs (BullMQ refuses a tree with a locked job in it).
  if (epoch) await runtime.queue.remove(runJobId(runId, epoch)).catch(() => 0);
  // A job of the run may have recorded the cancellation first (it read the control we set).
  return finished === FinishCode.Finished || (await redis.hget(keys.meta, 'status')) === 'cancelled';
}

/**
 * Removes a group's branch jobs that have not finished, each with whatever it started, unless
 * something in it is running (that part hears the cancel and ends by itself).
 */
async function removeWaitingBranches(runtime: RedisRuntime, jobId: string): Promise<void> {
  const job = await runtime.queue.getJob(jobId);
  if (!job) return;
  const { unprocessed = [] } = await job.getDependencies();
  await Promise.all(unprocessed.map(async (childKey) => {
    // "<prefix>:<queue>:<job id>"; queue names and job ids hold no ':'.
    const [queue, childId] = childKey.slice(runtime.prefix.length + 1).split(':');
    if (queue && childId) await runtime.queueFor(queue).remove(childId).catch(() => 0);
  }));
}
