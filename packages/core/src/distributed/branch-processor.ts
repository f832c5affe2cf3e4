import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { encodeValue } from '../codec/value-codec';
import { errorMessage, GraflowError, MalformedJobError, WorkflowCancelledError } from '../errors';
import { LocalGroupExecutor } from '../engine/local-group-executor';
import { Runner } from '../engine/runner';
import type { Graph } from '../graph/types';
import type { RecordResult } from './barrier';
import { groupInstance, type GroupInstance } from './group-instance';
import type { BranchJobData } from './job-data';
import { NestedGroupExecutor } from './nested-executor';
import { encodeErrorSummary } from './outcomes';
import { withGroupEvents, withTaskEvents } from '../events/event-hooks';
import { eventSinkOf } from './events/redis-event-sink';
import type { BranchInfo, ProcessorContext } from './processor-context';
import { keepRunAlive } from './run-keepalive';

/** Runs one branch job: at most one outcome per branch reaches the barrier, whatever happens. */
export async function processBranch(ctx: ProcessorContext, job: Job, token: string | undefined, data: BranchJobData): Promise<unknown> {
  const graph = await ctx.loadGraphOrRecord(data);
  const group = ctx.groupOf(graph, data.groupId, job.id!);
  // A forged or corrupt job must not run anything: its index has to name its node in the group.
  if (group.members[data.branchIndex] !== data.nodeId) {
    throw new MalformedJobError(job.id!, `branch ${data.branchIndex} of group '${data.groupId}' is not '${data.nodeId}' (a forged or corrupt job)`);
  }
  const instance = groupInstance(ctx.runtime, graph, group, ctx.runOf(data), data.groupKey);
  // Listen for cancellation before looking at the barrier, so no cancel can slip in between.
  // One controller serves cancel (its groups' keys, and the run's own) and shutdown alike;
  // `cancelled` tells them apart by the reason it was aborted with.
  const { controller, release: releaseController } = ctx.branchController(data.cancelKeys, data.runId);
  const release = keepRunAlive(ctx.runtime, instance.run);
  try {
    let decided = false;
    // A job's first start cannot have an outcome yet; only a redelivery or a retry looks first.
    if ((job.attemptsStarted ?? 0) > 1 || job.attemptsMade > 0) {
      const { meta, recorded } = await instance.barrier.lookup(data.branchIndex);
      if (!meta) throw new UnrecoverableError(`the barrier of group '${data.groupId}' (run ${data.runId}) is gone (expired, or a key prefix mismatch)`);
      // A redelivered branch whose outcome is already recorded is done; it is never counted twice.
      if (recorded) return { nodeId: data.nodeId, ok: true, replayed: true };
      decided = meta.decided !== '';
      if (decided) controller.abort();
    }
    // Skipped even if the shutdown deadline aborted the controller first: the group is decided.
    if (decided || ctx.cancelled(controller)) {
      const skipped = encodeErrorSummary(new Error('skipped: the group was already decided'), 'error', instance.limits.maxPayloadBytes);
      await ctx.afterRecord(instance, await instance.barrier.record(data.branchIndex, 'fail', skipped));
      return { nodeId: data.nodeId, ok: false, skipped: true };
    }
    return await runBranch(ctx, { job, token, data, graph, instance, controller });
  } finally {
    release();
    releaseController();
  }
}

interface BranchRun {
  job: Job;
  token: string | undefined;
  data: BranchJobData;
  graph: Graph;
  instance: GroupInstance;
  controller: AbortController;
}

async function runBranch(ctx: ProcessorContext, run: BranchRun): Promise<unknown> {
  const { job, token, data, graph, instance, controller } = run;
  const { runtime, options } = ctx;
  const { limits } = instance;
  const info: BranchInfo = { jobId: job.id!, runId: data.runId, groupId: data.groupId, taskId: data.nodeId };
  const started = Date.now();
  options.onBranch?.('start', info);
  const sink = eventSinkOf(runtime, instance.run);
  try {
    const runner = new Runner({
      runId: data.runId,
      state: runtime.runState(data.runId, limits),
      executors: { local: withGroupEvents(new LocalGroupExecutor(), sink), redis: new NestedGroupExecutor(runtime, job, token, data, instance.run) },
      defaultBackend: 'redis',
      journal: runtime.journal(data.runId, data.path, limits, {
        // On a job's first start nothing can be journaled yet: skip the reads.
        fresh: (job.attemptsStarted ?? 0) <= 1,
        // A lone task's recorded outcome already covers its replay, unless it asked for more steps.
        loneTask: graph.nodes[data.nodeId]?.kind === 'task',
      }),
      hooks: withTaskEvents(sink, options.hooks, options.workerId),
      loadedModules: options.loadedModules,
      externalAttempt: { nodeId: data.nodeId, attempt: job.attemptsMade + 1 },
      deferRootResult: data.nodeId,
      runAbort: controller,
    });
    // Cancel and shutdown both stop the branch through its one signal.
    const scope = { graph, path: data.path, branch: { groupId: data.groupId, memberId: data.nodeId }, signal: controller.signal, visits: new Map<string, number>() };
    const value = await runner.runRoot({ graph, nodeId: data.nodeId }, scope);
    const payload = encodeValue(value, `result of '${data.nodeId}'`, limits.maxPayloadBytes);
    // A lone task's result is its branch value: store both in one atomic step.
    const recording = instance.barrier.record(data.branchIndex, 'ok', payload, runner.deferredResult?.nodeId);
    if (options.completesOnRuntimeConnection) {
      // The job's completion is written behind this record on the same connection, so Redis
      // records the outcome first; waiting for the reply would only add a round trip per branch.
      void afterUnawaitedRecord(ctx, instance, recording, info, started);
      return { nodeId: data.nodeId, ok: true };
    }
    await ctx.afterRecord(instance, await recording);
    options.onBranch?.('end', branchEnd(info, started, true));
    return { nodeId: data.nodeId, ok: true };
  } catch (err) {
    if (err instanceof WaitingChildrenError) throw err;
    const cancelled = ctx.cancelled(controller);
    if (options.shutdownSignal.aborted && !cancelled) {
      // Shutdown deadline: hand the branch back to the queue instead of failing it.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    options.onBranch?.('end', branchEnd(info, started, false, err));
    const retryable = !cancelled
      && !(err instanceof WorkflowCancelledError)
      && !(err instanceof UnrecoverableError)
      // A value the codec refuses fails the same way on every attempt (and is not retried in-process).
      && !(err instanceof GraflowError && ['UNKNOWN_TASK', 'UNSUPPORTED_VALUE', 'PAYLOAD_TOO_LARGE'].includes(err.code));
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw err;
    const payload = encodeErrorSummary(err, 'error summary', limits.maxPayloadBytes);
    await ctx.afterRecord(instance, await instance.barrier.record(data.branchIndex, 'fail', payload));
    throw new UnrecoverableError(errorMessage(err));
  }
}

/**
 * The group's bookkeeping after a record its job did not wait for (see
 * `completesOnRuntimeConnection`): cancel the rest on a failure decision, a custom policy, the
 * branch's end. A record Redis refused (its job completed anyway) leaves the branch without an
 * outcome, which the group's parent job reconciles as failed once every branch job has ended.
 */
async function afterUnawaitedRecord(ctx: ProcessorContext, instance: GroupInstance, recording: Promise<RecordResult>, info: BranchInfo, started: number): Promise<void> {
  try {
    await ctx.afterRecord(instance, await recording);
    ctx.options.onBranch?.('end', branchEnd(info, started, true));
  } catch (err) {
    ctx.options.onBranch?.('end', branchEnd(info, started, false, err));
  }
}

/**
 * What `onBranch('end')` is told, field by field: V8 (Node 20) adds properties after an object
 * spread on a slow path, and this runs once per branch.
 */
function branchEnd(info: BranchInfo, started: number, ok: boolean, error?: unknown): BranchInfo & { ok: boolean; durationMs: number; error?: unknown } {
  const end: BranchInfo & { ok: boolean; durationMs: number; error?: unknown } = { jobId: info.jobId, runId: info.runId, groupId: info.groupId, taskId: info.taskId, ok, durationMs: Date.now() - started };
  if (!ok) end.error = error;
  return end;
}
