import { randomUUID } from 'node:crypto';
import type { RunState } from '../channels/channel';
import { MemoryRunState } from '../channels/memory-channel';
import { GraphDefinitionError, WorkflowCancelledError } from '../errors';
import type { Graph } from '../graph/types';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from '../options/run-options';
import { RedisRuntime } from '../distributed/redis-runtime';
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
    const runId = opts.runId ?? randomUUID();
    const runtime = opts.redis && opts.channelBackend === 'redis' ? await RedisRuntime.connect(opts.redis, { ...opts, ttlSeconds: opts.runTtlSeconds }) : undefined;
    try {
      const limits = { ttlSeconds: opts.runTtlSeconds, maxPayloadBytes: opts.maxPayloadBytes };
      const state: RunState = runtime ? runtime.runState(runId, limits) : new MemoryRunState();
      const executors: Partial<Record<'local' | 'redis', GroupExecutor>> = { local: new LocalGroupExecutor() };
      if (runtime) executors.redis = runtime.producerExecutor(runId, limits);
      const runAbort = new AbortController();
      const runner = new Runner({
        runId,
        state,
        executors,
        defaultBackend: opts.queueBackend === 'redis' ? 'redis' : 'local',
        runAbort,
      });
      const root = opts.startNode ?? this.graph.root;
      const output = await runner.runRoot(
        { graph: this.graph, nodeId: root },
        { graph: this.graph, path: '', signal: runAbort.signal, visits: new Map() },
      );
      const control = await state.getControl();
      if (control?.kind === 'cancelled') throw new WorkflowCancelledError(control.reason);
      return { runId, output: output as T, results: await state.results() };
    } finally {
      await runtime?.close();
    }
  }
}
