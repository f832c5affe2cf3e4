import { DelayedError, Job, UnrecoverableError, WaitingChildrenError } from 'bullmq';
import { encodeValue } from '../codec/value-codec';
import { errorMessage, GraflowError, MalformedJobError, WorkflowCancelledError } from '../errors';
import { LocalGroupExecutor } from '../engine/local-group-executor';
import { Runner } from '../engine/runner';
import type { RunnerHooks } from '../engine/scope';
import type { Graph, GroupNode } from '../graph/types';
import { RecordCode, type RecordResult } from './barrier';
import type { CancelRegistry } from './cancel-registry';
import { applyCustomPolicy, cancelGroup, errorSummary, instanceFromKey, readOutcomes, type GroupInstance } from './group-flow';
import { parseBranchJobData, parseGroupJobData, parseGroupTimeoutJobData } from './job-data';
import { branchJobId } from './keys';
import { NestedGroupExecutor } from './nested-executor';
import type { RedisRuntime } from './redis-runtime';

export interface JobProcessorOptions {
  runtime: RedisRuntime;
  cancels: CancelRegistry;
  /** Fired when a worker's shutdown deadline passes: running branches go back to the queue. */
  shutdownSignal: AbortSignal;
  loadedModules?: string[];
  hooks?: RunnerHooks;
  /** Branch lifecycle, for a worker's metrics and logs. */
  onBranch?(event: 'start' | 'end', info: { jobId: string; runId: string; groupId: string; taskId: string; ok?: boolean; durationMs?: number; error?: unknown }): void;
  onGraphLoad?(hit: boolean): void;
}

/** Processes every Graflow job kind: `branch`, `group` (the flow parent) and `group-timeout`. */
export function createJobProcessor(options: JobProcessorOptions): (job: Job, token?: string) => Promise<unknown> {
  const { runtime } = options;

  const loadGraph = async (hash: string): Promise<Graph> => {
    const before = runtime.store.stats().hits;
    const graph = (await runtime.store.load(hash)) as Graph;
    options.onGraphLoad?.(runtime.store.stats().hits > before);
    runtime.knowGraph(graph, hash);
    return graph;
  };

  const groupOf = (graph: Graph, groupId: string, jobId: string): GroupNode => {
    const node = graph.nodes[groupId];
    if (node?.kind !== 'group') throw new MalformedJobError(jobId, `group '${groupId}' is not in graph '${graph.name}'`);
    return node;
  };

  const afterRecord = async (instance: GroupInstance, rec: RecordResult): Promise<void> => {
    if (rec.code === RecordCode.NoBarrier) {
      throw new UnrecoverableError(`the barrier of group '${instance.group.id}' is gone (run keys expired, or the key prefix was flushed)`);
    }
    const decided = rec.code === RecordCode.Pending ? await applyCustomPolicy(instance) : undefined;
    if (rec.code === RecordCode.DecidedFailure || decided === 'failed') await cancelGroup(runtime, instance);
  };

  const processBranch = async (job: Job, token: string | undefined): Promise<unknown> => {
    const data = parseBranchJobData(job.id!, job.data);
    const graph = await loadGraph(data.graphHash);
    const instance = instanceFromKey(runtime, data.runId, groupOf(graph, data.groupId, job.id!), data.groupKey);
    const meta = await instance.barrier.meta();
    if (!meta) throw new UnrecoverableError(`the barrier of group '${data.groupId}' (run ${data.runId}) is gone (expired, or a key prefix mismatch)`);
    if ((await instance.barrier.outcomes()).has(data.branchIndex)) return { nodeId: data.nodeId, ok: true, replayed: true };
    if (meta.decided) {
      await afterRecord(instance, await instance.barrier.record(data.branchIndex, 'fail', encodeValue(errorSummary(new Error('skipped: the group was already decided')), 'error', runtime.settings.maxPayloadBytes)));
      return { nodeId: data.nodeId, ok: false, skipped: true };
    }
    await instance.barrier.markStarted();
    const info = { jobId: job.id!, runId: data.runId, groupId: data.groupId, taskId: data.nodeId };
    const started = Date.now();
    options.onBranch?.('start', info);
    const controller = new AbortController();
    const unregister = options.cancels.add(data.cancelKeys, controller);
    const signal = AbortSignal.any([controller.signal, options.shutdownSignal]);
    try {
      const runner = new Runner({
        runId: data.runId,
        state: runtime.runState(data.runId),
        executors: { local: new LocalGroupExecutor(), redis: new NestedGroupExecutor(runtime, job, token, data) },
        defaultBackend: 'redis',
        journal: runtime.journal(data.runId, data.path),
        hooks: options.hooks,
        loadedModules: options.loadedModules,
        externalAttempt: { nodeId: data.nodeId, attempt: job.attemptsMade + 1 },
        runAbort: controller,
      });
      const scope = { graph, path: data.path, branch: { groupId: data.groupId, memberId: data.nodeId }, signal, visits: new Map<string, number>() };
      const value = await runner.runRoot({ graph, nodeId: data.nodeId }, scope);
      const payload = encodeValue(value, `value of branch '${data.nodeId}'`, runtime.settings.maxPayloadBytes);
      await afterRecord(instance, await instance.barrier.record(data.branchIndex, 'ok', payload));
      options.onBranch?.('end', { ...info, ok: true, durationMs: Date.now() - started });
      return { nodeId: data.nodeId, ok: true };
    } catch (err) {
      if (err instanceof WaitingChildrenError) throw err;
      if (options.shutdownSignal.aborted && !controller.signal.aborted) {
        // Shutdown deadline: hand the branch back to the queue instead of failing it.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      options.onBranch?.('end', { ...info, ok: false, durationMs: Date.now() - started, error: err });
      const attempts = job.opts.attempts ?? 1;
      const retryable = !controller.signal.aborted && !(err instanceof WorkflowCancelledError) && !(err instanceof UnrecoverableError) && !(err instanceof GraflowError && err.code === 'UNKNOWN_TASK');
      if (retryable && job.attemptsMade + 1 < attempts) throw err;
      const payload = encodeValue(errorSummary(err), 'error summary', runtime.settings.maxPayloadBytes);
      await afterRecord(instance, await instance.barrier.record(data.branchIndex, 'fail', payload));
      throw new UnrecoverableError(errorMessage(err));
    } finally {
      unregister();
    }
  };

  const processGroup = async (job: Job): Promise<unknown> => {
    const data = parseGroupJobData(job.id!, job.data);
    // The job carries what finalizing needs, so a lost graph still yields a clear group failure.
    const group: GroupNode = { kind: 'group', id: data.groupId, members: data.members, policy: data.policy };
    const instance = instanceFromKey(runtime, data.runId, group, data.groupKey);
    let meta = await instance.barrier.meta();
    if (!meta) throw new UnrecoverableError(`the barrier of group '${data.groupId}' (run ${data.runId}) is gone`);
    if (!meta.decided) {
      // Every child has ended. Any without an outcome (removed, stalled out) failed silently: say so.
      const recorded = await instance.barrier.outcomes();
      for (let i = 0; i < data.members.length; i++) {
        if (recorded.has(i)) continue;
        const child = await Job.fromId(runtime.queue, branchJobId(data.runId, data.groupKey, i));
        const reason = child?.failedReason || 'the branch job ended without reporting an outcome (removed, or stalled too many times)';
        const rec = await instance.barrier.record(i, 'fail', encodeValue(errorSummary(new Error(reason)), 'error', runtime.settings.maxPayloadBytes));
        await afterRecord(instance, rec);
      }
      meta = await instance.barrier.meta();
      if (!meta?.decided) await instance.barrier.decide('failed', 'undecided after every branch ended');
      meta = await instance.barrier.meta();
    }
    const { succeeded, failed } = await readOutcomes(instance);
    const summary = { status: meta!.decided, succeeded: Object.keys(succeeded), failed: failed.map((f) => ({ taskId: f.taskId, error: f.error.message })) };
    if (meta!.decided === 'succeeded') return summary;
    throw new UnrecoverableError(`parallel group '${data.groupId}' failed: ${summary.failed.map((f) => `${f.taskId}: ${f.error}`).join('; ') || meta!.decidedReason || 'decided failed'}`);
  };

  const processTimeout = async (job: Job): Promise<unknown> => {
    const data = parseGroupTimeoutJobData(job.id!, job.data);
    const graph = await loadGraph(data.graphHash);
    const instance = instanceFromKey(runtime, data.runId, groupOf(graph, data.groupId, job.id!), data.groupKey);
    if (await instance.barrier.decide('failed', 'timeout')) await cancelGroup(runtime, instance);
    return { groupId: data.groupId, timedOut: true };
  };

  return async (job, token) => {
    try {
      if (job.name === 'branch') return await processBranch(job, token);
      if (job.name === 'group') return await processGroup(job);
      if (job.name === 'group-timeout') return await processTimeout(job);
      throw new MalformedJobError(job.id ?? '?', `unknown job name '${job.name}' (expected branch, group or group-timeout)`);
    } catch (err) {
      // Bad payloads and missing graphs will not get better on retry.
      if (err instanceof GraflowError && ['MALFORMED_JOB', 'GRAPH_NOT_FOUND', 'GRAPH_INTEGRITY'].includes(err.code)) {
        throw new UnrecoverableError(`${err.name}: ${err.message}`);
      }
      throw err;
    }
  };
}
