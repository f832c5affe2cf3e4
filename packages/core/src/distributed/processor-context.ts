import { UnrecoverableError } from 'bullmq';
import { MalformedJobError } from '../errors';
import type { RunnerHooks } from '../engine/scope';
import type { Graph } from '../graph/types';
import { RecordCode, type RecordResult } from './barrier';
import type { CancelRegistry } from './cancel-registry';
import { applyCustomPolicy, cancelGroup, type GroupInstance } from './group-flow';
import type { RedisRuntime } from './redis-runtime';
import type { GroupNode } from '../graph/types';

export interface JobProcessorOptions {
  runtime: RedisRuntime;
  cancels: CancelRegistry;
  /** Fired when a worker's shutdown deadline passes: running branches go back to the queue. */
  shutdownSignal: AbortSignal;
  loadedModules?: string[];
  hooks?: RunnerHooks;
  /** Branch lifecycle, for a worker's metrics and logs. */
  onBranch?(event: 'start' | 'end', info: BranchInfo & { ok?: boolean; durationMs?: number; error?: unknown }): void;
  onGraphLoad?(hit: boolean): void;
}

export interface BranchInfo {
  jobId: string;
  runId: string;
  groupId: string;
  taskId: string;
}

/** What every job kind's processor shares: graph loading and post-record bookkeeping. */
export class ProcessorContext {
  constructor(readonly options: JobProcessorOptions) {}

  get runtime(): RedisRuntime {
    return this.options.runtime;
  }

  async loadGraph(hash: string): Promise<Graph> {
    const { store } = this.runtime;
    const before = store.stats().hits;
    const graph = (await store.load(hash)) as Graph;
    this.options.onGraphLoad?.(store.stats().hits > before);
    this.runtime.knowGraph(graph, hash);
    return graph;
  }

  groupOf(graph: Graph, groupId: string, jobId: string): GroupNode {
    const node = graph.nodes[groupId];
    if (node?.kind !== 'group') throw new MalformedJobError(jobId, `group '${groupId}' is not in graph '${graph.name}'`);
    return node;
  }

  /** After an outcome is recorded: apply a custom policy, and cancel the rest on failure. */
  async afterRecord(instance: GroupInstance, rec: RecordResult): Promise<void> {
    if (rec.code === RecordCode.NoBarrier) {
      throw new UnrecoverableError(`the barrier of group '${instance.group.id}' is gone (run keys expired, or the key prefix was flushed)`);
    }
    const decided = rec.code === RecordCode.Pending ? await applyCustomPolicy(instance) : undefined;
    if (rec.code === RecordCode.DecidedFailure || decided === 'failed') await cancelGroup(this.runtime, instance);
  }
}
