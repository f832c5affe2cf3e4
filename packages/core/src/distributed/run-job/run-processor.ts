import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { errorMessage, GraphDefinitionError, MalformedJobError, WorkflowCancelledError } from '../../errors';
import { LocalGroupExecutor } from '../../engine/local-group-executor';
import { Runner } from '../../engine/runner';
import { withGroupEvents, withTaskEvents } from '../../events/event-hooks';
import type { Graph } from '../../graph/types';
import { eventSinkOf } from '../events/redis-event-sink';
import type { RunJobData } from '../job-data';
import { runCancelKey, runChannel } from '../keys';
import { NestedGroupExecutor } from '../nested-executor';
import { isUnloadableGraph, type ProcessorContext } from '../processor-context';
import { keepRunAlive } from '../run-keepalive';
import { scripted } from '../scripts';
import { linkedController, sharedController } from '../../util/signals';
import { finishRun, TERMINAL_STATUSES } from './finish-run';

/**
 * Runs a submitted run's root job: the whole workflow from its start node, as a branch whose
 * path is ''. Sequences run here; each distributed group becomes a flow whose parent is this job,
 * which waits in waiting-children without holding a worker slot, and on resume the journal
 * replays every finished step. The run's ending (status, output or error) is recorded once, so
 * re-runs after a worker died, resumes and a concurrent cancel agree.
 */
export async function processRun(ctx: ProcessorContext, job: Job, token: string | undefined, data: RunJobData): Promise<unknown> {
  const { runtime, options } = ctx;
  const run = ctx.runOf(data);
  const keys = runtime.keys(data.runId);
  const [before] = await scripted(runtime.redis).graflowRunBegin(
    keys.meta, keys.control, keys.events, run.events ? runChannel(runtime.prefix, data.runId) : '', run.limits.ttlSeconds,
    JSON.stringify(options.workerId === undefined ? {} : { workerId: options.workerId }),
  );
  if (before === '') {
    throw new UnrecoverableError(`run ${data.runId} is gone under key prefix '${runtime.prefix}' (its keys expired before a worker took it, or a key prefix mismatch); nothing to run`);
  }
  // Ended already: cancelled while it waited, or a re-run after its ending was recorded.
  if (TERMINAL_STATUSES.includes(before)) return { runId: data.runId, status: before };
  const graph = await loadRunGraph(ctx, data, job);
  const info = { jobId: job.id!, runId: data.runId, workflow: data.workflow };
  const started = Date.now();
  options.onRun?.('start', info);
  const controller = sharedController();
  const unregister = options.cancels.add([runCancelKey(data.runId)], controller);
  const release = keepRunAlive(runtime, run);
  const state = runtime.runState(data.runId, run.limits);
  const sink = eventSinkOf(runtime, run);
  // Aborted by a cancel of the run, or by the worker's shutdown deadline.
  const linked = linkedController(controller.signal, options.shutdownSignal);
  try {
    const control = await state.getControl();
    if (control?.kind === 'cancelled') throw new WorkflowCancelledError(control.reason);
    const runner = new Runner({
      runId: data.runId,
      state,
      executors: {
        local: withGroupEvents(new LocalGroupExecutor(), sink),
        // Branches hear a run-wide cancel on their own (see processBranch): no outer keys here.
        redis: new NestedGroupExecutor(runtime, job, token, { cancelKeys: [] }, run),
      },
      defaultBackend: 'redis',
      // On a job's first start nothing can be journaled yet: skip the reads.
      journal: runtime.journal(data.runId, '', run.limits, { fresh: (job.attemptsStarted ?? 0) <= 1 }),
      hooks: withTaskEvents(sink, options.hooks, options.workerId),
      loadedModules: options.loadedModules,
      runAbort: controller,
    });
    const signal = linked.controller.signal;
    const output = await runner.runRoot({ graph, nodeId: data.startNode }, { graph, path: '', signal, visits: new Map() });
    const after = await state.getControl();
    if (after?.kind === 'cancelled') throw new WorkflowCancelledError(after.reason);
    await finishRun(runtime, run, { status: 'succeeded', output });
    options.onRun?.('end', { ...info, status: 'succeeded', durationMs: Date.now() - started });
    return { runId: data.runId, status: 'succeeded' };
  } catch (err) {
    if (err instanceof WaitingChildrenError) {
      options.onRun?.('end', { ...info, status: 'waiting', durationMs: Date.now() - started });
      throw err;
    }
    if (options.shutdownSignal.aborted && !controller.signal.aborted) {
      // Shutdown deadline: hand the run back to the queue; the journal replays it elsewhere.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    const status = err instanceof WorkflowCancelledError ? 'cancelled' : 'failed';
    await finishRun(runtime, run, { status, error: err });
    options.onRun?.('end', { ...info, status, durationMs: Date.now() - started, error: err });
    throw new UnrecoverableError(errorMessage(err));
  } finally {
    linked.dispose();
    release();
    unregister();
  }
}

/** The run's graph; a graph that will never load, or lacks the start node, ends the run failed. */
async function loadRunGraph(ctx: ProcessorContext, data: RunJobData, job: Job): Promise<Graph> {
  const run = ctx.runOf(data);
  let graph: Graph;
  try {
    graph = await ctx.loadGraph(data.graphHash);
  } catch (err) {
    if (isUnloadableGraph(err)) await finishRun(ctx.runtime, run, { status: 'failed', error: err });
    throw err;
  }
  if (!(data.startNode in graph.nodes)) {
    const err = new GraphDefinitionError(`start node '${data.startNode}' does not exist in workflow '${graph.name}'`, data.startNode);
    await finishRun(ctx.runtime, run, { status: 'failed', error: err });
    throw new MalformedJobError(job.id ?? '?', err.message);
  }
  return graph;
}
