import { randomUUID } from 'node:crypto';
import type { RunControl, RunState } from '../channels/channel';
import { MemoryRunState } from '../channels/memory-channel';
import { GraphDefinitionError, WorkflowCancelledError } from '../errors';
import { CallbackSink, deliver, withGroupEvents, withTaskEvents } from '../events/event-hooks';
import { eventError, type EventSink, type RunEvent } from '../events/run-event';
import type { Graph } from '../graph/types';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from '../options/run-options';
import { bounded, raceSignal, sharedController } from '../util/signals';
import { loadRedisBackend } from './load-redis';
import type { RunResult } from './run-result';

export type { RunResult };
import { LocalGroupExecutor } from './local-group-executor';
import { Runner } from './runner';
import type { GroupExecutor } from './scope';


export interface ExecutionContextOptions extends RunOptions {
  graph: Graph;
}

/**
 * One run of a graph, as in the seed's `ExecutionContext.create(...)`. The backends decide where
 * groups run and where state lives; the workflow code and its results are the same either way.
 */
export class ExecutionContext {
  private constructor(
    readonly graph: Graph,
    readonly options: ResolvedRunOptions,
  ) {}

  static create(options: ExecutionContextOptions): ExecutionContext {
    const { graph, ...rest } = options;
    if (!graph || graph.format !== 'graflow.graph/1') {
      throw new GraphDefinitionError('ExecutionContext.create needs { graph }: pass workflow.graph');
    }
    const resolved = resolveRunOptions(rest);
    checkStartNode(graph, resolved.startNode);
    return new ExecutionContext(graph, resolved);
  }

  async execute<T = unknown>(): Promise<RunResult<T>> {
    const opts = this.options;
    if (!opts.client && !opts.redis) return this.runInProcess<T>(opts.runId ?? randomUUID());
    const client = opts.client ?? (await loadRedisBackend().connectClient(opts.redis!, opts.clientOptions));
    try {
      const session = await client.openRun(this.graph, {
        ...(opts.runId ? { runId: opts.runId } : {}),
        limits: { ttlSeconds: opts.runTtlSeconds, maxPayloadBytes: opts.maxPayloadBytes },
        noWorkerTimeoutMs: opts.noWorkerTimeoutMs,
        events: opts.onEvent !== undefined,
      });
      // Every event reaches onEvent from the run's stream, in the order Redis recorded them. A run
      // without onEvent creates no controller: aborting one costs a DOMException per run.
      const stopEvents = opts.onEvent ? new AbortController() : undefined;
      const delivered = stopEvents ? pumpEvents(client.runView(session.runId).events(stopEvents.signal), opts.onEvent!) : undefined;
      const drained = async () => {
        if (!delivered) return;
        await bounded(delivered, EVENT_DRAIN_MS);
        stopEvents!.abort();
      };
      try {
        // The run's end is recorded as the results are read (one round trip; see complete()).
        const result = await this.runGraph<T>(session.runId, session.state, (output) => session.complete(output), session.executor, session.signal, session.events);
        await drained();
        return result;
      } catch (err) {
        await session.finish({ status: err instanceof WorkflowCancelledError ? 'cancelled' : 'failed', error: err });
        await drained();
        throw err;
      }
    } finally {
      if (!opts.client) await client.close();
    }
  }

  /** The in-process backend: events, when asked for, go straight to `onEvent`. */
  private async runInProcess<T>(runId: string): Promise<RunResult<T>> {
    const sink = this.options.onEvent ? new CallbackSink(runId, this.options.onEvent) : undefined;
    sink?.emit({ type: 'run:started' });
    try {
      const state = new MemoryRunState({ maxPayloadBytes: this.options.maxPayloadBytes });
      const result = await this.runGraph<T>(runId, state, () => state.final(), undefined, undefined, sink);
      sink?.emit({ type: 'run:finished', status: 'succeeded' });
      return result;
    } catch (err) {
      sink?.emit({ type: 'run:finished', status: err instanceof WorkflowCancelledError ? 'cancelled' : 'failed', error: eventError(err) });
      throw err;
    }
  }

  /**
   * Walks the graph from the start node, then `end(output)` gives the control flags and results
   * (on Redis it also records the run's end); `outage` aborts the run when Redis stays away.
   */
  private async runGraph<T>(
    runId: string,
    state: RunState,
    end: (output: unknown) => Promise<{ control: RunControl | undefined; results: Record<string, unknown> }>,
    redis?: GroupExecutor,
    outage?: AbortSignal,
    events?: EventSink,
  ): Promise<RunResult<T>> {
    const opts = this.options;
    // One controller per run; a client's long-lived outage signal is forwarded into it and the
    // listener removed when the run ends (AbortSignal.any would pin every run to that signal).
    const runAbort = sharedController();
    const onOutage = () => runAbort.abort(outage!.reason);
    if (outage?.aborted) onOutage();
    else outage?.addEventListener('abort', onOutage, { once: true });
    const signal = runAbort.signal;
    const hooks = withTaskEvents(events, undefined);
    const runner = new Runner({
      runId,
      state,
      executors: { local: withGroupEvents(new LocalGroupExecutor(), events), ...(redis ? { redis } : {}) },
      defaultBackend: opts.queueBackend === 'redis' ? 'redis' : 'local',
      runAbort,
      ...(hooks ? { hooks } : {}),
    });
    const root = opts.startNode ?? this.graph.root;
    const work = (async () => {
      const output = await runner.runRoot({ graph: this.graph, nodeId: root }, { graph: this.graph, path: '', signal, visits: new Map() });
      const { control, results } = await end(output);
      if (control?.kind === 'cancelled') throw new WorkflowCancelledError(control.reason);
      return { runId, output: output as T, results };
    })();
    try {
      return outage ? await raceSignal(work, signal) : await work;
    } finally {
      outage?.removeEventListener('abort', onOutage);
    }
  }
}

/** How long a run waits, after it ended, for its last events to reach `onEvent`. */
const EVENT_DRAIN_MS = 5_000;

/** Hands a run's events to `onEvent` until the stream ends (after run:finished); never throws. */
async function pumpEvents(events: AsyncGenerator<RunEvent>, onEvent: (event: RunEvent) => void): Promise<void> {
  try {
    for await (const event of events) deliver(onEvent, event);
  } catch {
    // Redis went away: the run reports that itself; events are observations
  }
}

/** The start node of a run: the graph's root by default; one the graph lacks is refused. */
export function checkStartNode(graph: Graph, startNode: string | undefined): string {
  const start = startNode ?? graph.root;
  if (!(start in graph.nodes)) {
    const known = Object.keys(graph.nodes).slice(0, 20).join(', ');
    throw new GraphDefinitionError(`start node '${start}' does not exist in workflow '${graph.name}'; nodes: ${known}`, start);
  }
  return start;
}
