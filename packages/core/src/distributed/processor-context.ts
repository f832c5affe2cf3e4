import { UnrecoverableError } from 'bullmq';
import { assertGraphBlob } from '../codec/graph-blob';
import { MalformedJobError } from '../errors';
import type { RunnerHooks } from '../engine/scope';
import type { Graph, GroupNode } from '../graph/types';
import { isGraflowError } from '../errors';
import { RecordCode, type RecordResult } from './barrier';
import { cancelGroup, type CancelRegistry } from './cancel';
import { groupInstance, runOfJob, stubGroup, type GroupInstance, type RunRef } from './group-instance';
import type { BranchJobData, JobData } from './job-data';
import { cancelChannel, cancelKey, runCancelKey } from './keys';
import { applyCustomPolicy, encodeErrorSummary } from './outcomes';
import type { RedisRuntime } from './redis-runtime';
import { sharedController } from '../util/signals';

export interface JobProcessorOptions {
  runtime: RedisRuntime;
  cancels: CancelRegistry;
  /** Fired when a worker's shutdown deadline passes: running branches go back to the queue. */
  shutdownSignal: AbortSignal;
  loadedModules?: string[];
  hooks?: RunnerHooks;
  /**
   * The largest value this worker writes, whatever a job asks for (an operator's ceiling over
   * the producer's `maxPayloadBytes`). @defaultValue no ceiling: the job's limit applies
   */
  maxPayloadBytesCeiling?: number;
  /**
   * The BullMQ worker running these jobs uses `runtime.redis` itself as its connection (standalone
   * Redis, not a cluster). A branch's job completion is then written behind its outcome on one
   * socket, so Redis always records the outcome first, and the processor returns without waiting
   * for the barrier's reply: one round trip less per branch. @defaultValue false
   */
  completesOnRuntimeConnection?: boolean;
  /** Branch lifecycle, for a worker's metrics and logs. */
  onBranch?(event: 'start' | 'end', info: BranchInfo & { ok?: boolean; durationMs?: number; error?: unknown }): void;
  /** Lifecycle of a submitted run's root job on this worker (each start or resume), for logs. */
  onRun?(event: 'start' | 'end', info: RunJobInfo & { status?: string; durationMs?: number; error?: unknown }): void;
  /** Names this worker in progress events (`task:started`, `run:started`). */
  workerId?: string;
  onGraphLoad?(hit: boolean): void;
}

export interface RunJobInfo {
  jobId: string;
  runId: string;
  workflow: string;
}

export interface BranchInfo {
  jobId: string;
  runId: string;
  groupId: string;
  taskId: string;
}

/** What every job kind's processor shares: graph loading, run limits and post-record bookkeeping. */
export class ProcessorContext {
  /** Controllers of the branches running now, aborted together when the shutdown deadline passes. */
  private readonly running = new Set<AbortController>();
  /** The controller each group instance's branches share in this process (see `branchController`). */
  private readonly byGroup = new Map<string, { controller: AbortController; holders: number; dispose(): void }>();

  constructor(readonly options: JobProcessorOptions) {
    // One listener for every branch, instead of a linked controller and a listener pair each.
    options.shutdownSignal.addEventListener('abort', () => {
      for (const controller of this.running) controller.abort(options.shutdownSignal.reason);
    }, { once: true });
  }

  /** Aborts `controller` with the shutdown's reason once the deadline passes (now, if it has). */
  abortOnShutdown(controller: AbortController): () => void {
    const { shutdownSignal } = this.options;
    if (shutdownSignal.aborted) {
      controller.abort(shutdownSignal.reason);
      return () => undefined;
    }
    this.running.add(controller);
    return () => this.running.delete(controller);
  }

  /**
   * The controller of a branch (its signal is the branch's): one per group instance in this
   * process, shared by every branch of it running here and registered once for cancels (its
   * groups' keys and its run's) and the shutdown deadline. A cancel or a decision aborts all of a
   * group's branches anyway; a controller and its signal per branch cost more than anything else
   * of ours per branch. `release()` when the branch ends; a new branch of a group whose controller
   * was aborted (a decided or cancelled group) gets the aborted one, and is skipped.
   */
  branchController(cancelKeys: readonly string[], runId: string): { controller: AbortController; release(): void } {
    const key = cancelKeys.join('\n');
    let entry = this.byGroup.get(key);
    if (!entry) {
      const controller = sharedController();
      const unregister = this.options.cancels.add([...cancelKeys, runCancelKey(runId)], controller);
      const unwatch = this.abortOnShutdown(controller);
      entry = { controller, holders: 0, dispose: () => { unwatch(); unregister(); } };
      this.byGroup.set(key, entry);
    }
    entry.holders++;
    const held = entry;
    let released = false;
    return {
      controller: held.controller,
      release: () => {
        if (released) return;
        released = true;
        if (--held.holders > 0) return;
        held.dispose();
        if (this.byGroup.get(key) === held) this.byGroup.delete(key);
      },
    };
  }

  /**
   * Whether a branch's controller was aborted by a cancel (its group decided, its run cancelled)
   * rather than by the shutdown deadline, which hands the branch back instead. The first abort's
   * reason stays, so a cancel that came first is still a cancel after the deadline.
   */
  cancelled(controller: AbortController): boolean {
    const { signal } = controller;
    return signal.aborted && !(this.options.shutdownSignal.aborted && signal.reason === this.options.shutdownSignal.reason);
  }

  get runtime(): RedisRuntime {
    return this.options.runtime;
  }

  async loadGraph(hash: string): Promise<Graph> {
    const { store } = this.runtime;
    const onLoad = this.options.onGraphLoad;
    const before = store.cacheHits;
    // A blob that is valid msgpack but not a graph is named here, not as a TypeError deep in the engine.
    const graph = assertGraphBlob(await store.load(hash), hash, store.keyOf(hash));
    onLoad?.(store.cacheHits > before);
    this.runtime.knowGraph(graph, hash);
    return graph;
  }

  groupOf(graph: Graph, groupId: string, jobId: string): GroupNode {
    const node = graph.nodes[groupId];
    if (node?.kind !== 'group') throw new MalformedJobError(jobId, `group '${groupId}' is not in graph '${graph.name}'`);
    return node;
  }

  /**
   * The graph, or the store error that means it will never load (gone, corrupt, a bad hash). A
   * branch that cannot load its graph still reports to its barrier, so the run fails visibly
   * instead of waiting for an outcome that cannot come.
   */
  async loadGraphOrRecord(data: BranchJobData): Promise<Graph> {
    try {
      return await this.loadGraph(data.graphHash);
    } catch (err) {
      if (!isUnloadableGraph(err)) throw err;
      const instance = groupInstance(this.runtime, undefined, stubGroup(data.groupId, data.branchIndex + 1), this.runOf(data), data.groupKey);
      const payload = encodeErrorSummary(err, 'error summary', instance.limits.maxPayloadBytes);
      const rec = await instance.barrier.record(data.branchIndex, 'fail', payload);
      if (rec.code === RecordCode.DecidedFailure) await this.runtime.redis.publish(cancelChannel(this.runtime.prefix), cancelKey(data.runId, data.groupKey));
      throw err;
    }
  }

  /** The run a job belongs to, with the producer's limits under this worker's ceiling. */
  runOf(data: JobData): RunRef {
    const ceiling = this.options.maxPayloadBytesCeiling ?? Number.MAX_SAFE_INTEGER;
    return runOfJob(data, { ttlSeconds: data.ttl, maxPayloadBytes: Math.min(data.maxPayloadBytes, ceiling) });
  }

  /** After an outcome is recorded: apply a custom policy, and cancel the rest on failure. */
  async afterRecord(instance: GroupInstance, rec: RecordResult): Promise<void> {
    if (rec.code === RecordCode.NoBarrier) {
      throw new UnrecoverableError(`the barrier of group '${instance.group.id}' is gone (run keys expired, or the key prefix was flushed)`);
    }
    if (rec.code === RecordCode.IndexOutOfRange) {
      throw new MalformedJobError(instance.jobId, `branch index outside group '${instance.group.id}' (a forged or corrupt job); nothing was recorded`);
    }
    const decided = rec.code === RecordCode.Pending ? await applyCustomPolicy(instance) : undefined;
    if (rec.code === RecordCode.DecidedFailure || decided === 'failed') await cancelGroup(this.runtime, instance);
  }
}

/** Store errors after which a graph will never load: retrying cannot help. */
export const UNLOADABLE_GRAPH_CODES: readonly string[] = ['GRAPH_NOT_FOUND', 'GRAPH_INTEGRITY', 'INVALID_HASH'];

export function isUnloadableGraph(err: unknown): boolean {
  return isGraflowError(err) && UNLOADABLE_GRAPH_CODES.includes(err.code);
}
