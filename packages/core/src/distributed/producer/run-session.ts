import { randomUUID } from 'node:crypto';
import type { RunState } from '../../channels/channel';
import type { GroupExecutor } from '../../engine/scope';
import type { Graph } from '../../graph/types';
import type { RunRef } from '../group-instance';
import type { RunLimits } from '../redis-run-state';
import type { EventSink } from '../../events/run-event';
import { RedisEventSink } from '../events/redis-event-sink';
import { claimRun } from '../run-claim';
import { finishRun, type RunOutcome } from '../run-job/finish-run';
import { keepRunAlive } from '../run-keepalive';
import { bounded } from '../../util/signals';
import type { GraflowClient } from './graflow-client';
import { ProducerGroupExecutor } from './producer-executor';

export interface RunSessionOptions {
  runId?: string;
  limits: RunLimits;
  noWorkerTimeoutMs: number;
  /** The run reports progress events (run() with onEvent). */
  events?: boolean;
}

export type { RunStatus } from '../run-job/finish-run';

/** One run's footing in Redis: its claimed id, state, group executor and outage signal. */
export interface RunSession {
  runId: string;
  state: RunState;
  executor: GroupExecutor;
  /** Aborts when Redis stays unreachable longer than the client allows. */
  signal: AbortSignal;
  /** Where the producer reports its own events, when the run has them. */
  events?: EventSink;
  /**
   * Records how the run ended (status, output or error, for `getRun()`), and starts the run's TTL
   * from its end. Never hangs on an outage.
   */
  finish(outcome: RunOutcome): Promise<void>;
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
  const run: RunRef = { runId, epoch, limits: options.limits, notify: client.wakeups.channel, ...(options.events ? { events: true } : {}) };
  const events = options.events ? new RedisEventSink(runtime, runId, ttl) : undefined;
  if (events) {
    await runtime.redis.hset(keys.meta, 'events', '1');
    events.emit({ type: 'run:started' });
  }
  const release = keepRunAlive(runtime, run);
  const state = runtime.runState(runId, options.limits);
  return {
    runId,
    state,
    executor: new ProducerGroupExecutor(client, run, options.noWorkerTimeoutMs, state),
    signal: client.health.signal,
    ...(events ? { events } : {}),
    async finish(outcome) {
      release();
      await bounded(finishRun(runtime, run, outcome).catch(async (err: unknown) => {
        // An output over the payload limit was returned to run()'s caller; followers get why it is missing.
        if (outcome.status !== 'succeeded') throw err;
        await finishRun(runtime, run, { status: 'succeeded', error: err });
      }), 2_000);
    },
  };
}
