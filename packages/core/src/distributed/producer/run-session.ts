import { randomUUID } from 'node:crypto';
import type { RunState } from '../../channels/channel';
import type { GroupExecutor } from '../../engine/scope';
import type { Graph } from '../../graph/types';
import type { RunRef } from '../group-instance';
import type { RunLimits } from '../redis-run-state';
import { claimRun } from '../run-claim';
import { keepRunAlive, touchRun } from '../run-keepalive';
import { bounded } from '../../util/signals';
import type { GraflowClient } from './graflow-client';
import { ProducerGroupExecutor } from './producer-executor';

export interface RunSessionOptions {
  runId?: string;
  limits: RunLimits;
  noWorkerTimeoutMs: number;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One run's footing in Redis: its claimed id, state, group executor and outage signal. */
export interface RunSession {
  runId: string;
  state: RunState;
  executor: GroupExecutor;
  /** Aborts when Redis stays unreachable longer than the client allows. */
  signal: AbortSignal;
  /** Records the final status and starts the run's TTL from its end. Never hangs on an outage. */
  finish(status: RunStatus): Promise<void>;
}

/**
 * Claims the run id (refusing one still in use), keeps the run's keys alive while it runs, and
 * wires its groups to the client's shared wake-up channel.
 */
export async function openRun(client: GraflowClient, graph: Graph, options: RunSessionOptions): Promise<RunSession> {
  const { runtime } = client;
  const runId = options.runId ?? randomUUID();
  const keys = runtime.keys(runId);
  const ttl = options.limits.ttlSeconds;
  const { epoch } = await claimRun(runtime, runId, { ttlSeconds: ttl, status: 'running', name: graph.name });
  const run: RunRef = { runId, epoch, limits: options.limits, notify: client.wakeups.channel };
  const release = keepRunAlive(runtime, run);
  const state = runtime.runState(runId, options.limits);
  return {
    runId,
    state,
    executor: new ProducerGroupExecutor(client, run, options.noWorkerTimeoutMs, state),
    signal: client.health.signal,
    async finish(final) {
      release();
      await bounded(Promise.all([runtime.redis.hset(keys.meta, 'status', final), touchRun(runtime, runId, ttl)]), 2_000);
    },
  };
}
