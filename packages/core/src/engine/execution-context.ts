import { randomUUID } from 'node:crypto';
import type { RunState } from '../channels/channel';
import { MemoryRunState } from '../channels/memory-channel';
import { GraphDefinitionError, WorkflowCancelledError } from '../errors';
import type { Graph } from '../graph/types';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from '../options/run-options';
import { raceSignal } from '../util/signals';
import { loadRedisBackend } from './load-redis';
import { LocalGroupExecutor } from './local-group-executor';
import { Runner } from './runner';
import type { GroupExecutor } from './scope';

/** What a run resolves to. */
export interface RunResult<T = unknown> {
  runId: string;
  /** Value of the last node of the root sequence (a group's value maps branch ids to values). */
  output: T;
  /** Each task's value, by node id. */
  results: Record<string, unknown>;
}

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
    const start = resolved.startNode ?? graph.root;
    if (!(start in graph.nodes)) {
      const known = Object.keys(graph.nodes).slice(0, 20).join(', ');
      throw new GraphDefinitionError(`start node '${start}' does not exist in workflow '${graph.name}'; nodes: ${known}`, start);
    }
    return new ExecutionContext(graph, resolved);
  }

  async execute<T = unknown>(): Promise<RunResult<T>> {
    const opts = this.options;
    if (!opts.client && !opts.redis) return this.runGraph<T>(opts.runId ?? randomUUID(), new MemoryRunState());
    const client = opts.client ?? (await loadRedisBackend().connectClient(opts.redis!, opts.clientOptions));
    try {
      const session = await client.openRun(this.graph, {
        ...(opts.runId ? { runId: opts.runId } : {}),
        limits: { ttlSeconds: opts.runTtlSeconds, maxPayloadBytes: opts.maxPayloadBytes },
        noWorkerTimeoutMs: opts.noWorkerTimeoutMs,
      });
      try {
        const result = await this.runGraph<T>(session.runId, session.state, session.executor, session.signal);
        await session.finish('succeeded');
        return result;
      } catch (err) {
        await session.finish(err instanceof WorkflowCancelledError ? 'cancelled' : 'failed');
        throw err;
      }
    } finally {
      if (!opts.client) await client.close();
    }
  }

  /** Walks the graph from the start node; `outage` aborts the run when Redis stays away. */
  private async runGraph<T>(runId: string, state: RunState, redis?: GroupExecutor, outage?: AbortSignal): Promise<RunResult<T>> {
    const opts = this.options;
    // One controller per run; a client's long-lived outage signal is forwarded into it and the
    // listener removed when the run ends (AbortSignal.any would pin every run to that signal).
    const runAbort = new AbortController();
    const onOutage = () => runAbort.abort(outage!.reason);
    if (outage?.aborted) onOutage();
    else outage?.addEventListener('abort', onOutage, { once: true });
    const signal = runAbort.signal;
    const runner = new Runner({
      runId,
      state,
      executors: { local: new LocalGroupExecutor(), ...(redis ? { redis } : {}) },
      defaultBackend: opts.queueBackend === 'redis' ? 'redis' : 'local',
      runAbort,
    });
    const root = opts.startNode ?? this.graph.root;
    const work = (async () => {
      const output = await runner.runRoot({ graph: this.graph, nodeId: root }, { graph: this.graph, path: '', signal, visits: new Map() });
      const { control, results } = await state.final();
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
