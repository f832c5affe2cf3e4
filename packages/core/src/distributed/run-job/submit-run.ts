import { randomUUID } from 'node:crypto';
import type { Graph } from '../../graph/types';
import { bounded } from '../../util/signals';
import { JOB_PAYLOAD_VERSION, jobDisplayName, type RunJobData } from '../job-data';
import { runJobId } from '../keys';
import { claimRun } from '../run-claim';
import type { ProducerClient } from '../producer/producer-client';
import type { RunLimits } from '../run-limits';
import { finishRun } from './finish-run';

export interface SubmitRunOptions {
  runId?: string;
  startNode: string;
  limits: RunLimits;
}

/**
 * Makes a run durable: claims its id (status `queued`, refusing an id in use), saves the graph
 * and enqueues the run's root job. Once this resolves the run needs nothing from this process:
 * workers run it, keep its keys alive and record its ending.
 */
export async function submitRun(client: ProducerClient, graph: Graph, options: SubmitRunOptions): Promise<string> {
  const { runtime } = client;
  const { limits, startNode } = options;
  const runId = options.runId ?? randomUUID();
  const keys = runtime.keys(runId);
  const ttl = limits.ttlSeconds;
  const { epoch } = await claimRun(runtime, runId, { ttlSeconds: ttl, status: 'queued', name: graph.name });
  try {
    const graphHash = await runtime.graphHash(graph);
    // What another process needs to follow or cancel the run, next to its status.
    await runtime.redis.hset(keys.meta, 'events', '1', 'graphHash', graphHash, 'startNode', startNode);
    const data: RunJobData = {
      v: JOB_PAYLOAD_VERSION, kind: 'run', runId, epoch, graphHash, startNode, workflow: graph.name,
      ttl, maxPayloadBytes: limits.maxPayloadBytes, events: true,
    };
    const retention = { age: ttl };
    // One attempt: the run records its own failures; a dead worker's run is re-run by BullMQ's stalled check.
    await runtime.queue.add(jobDisplayName(data), data, { jobId: runJobId(runId, epoch), attempts: 1, removeOnComplete: retention, removeOnFail: retention });
  } catch (err) {
    // Not enqueued: say so in the run's status instead of leaving it queued for its whole TTL.
    await bounded(finishRun(runtime, { runId, limits, events: true }, { status: 'failed', error: err }), 2_000);
    throw err;
  }
  return runId;
}
