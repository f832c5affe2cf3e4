import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { resolveRedisConfig } from '@graflow/core';
import { Barrier, DEFAULT_QUEUE, RedisRuntime, RunKeys, claimRun, completeRun, encodeValue } from '@graflow/core/redis';
import { RawFlows } from './raw-flows';

/**
 * The floor of the barrier contract, for the bench's `concurrent` section and
 * `profile-concurrent.js` (`MODE=floor`): raw BullMQ flows (the raw side's producer, QueueEvents
 * and plain workers), plus exactly the Redis work a Graflow run adds for its barrier, through
 * Graflow's own scripts and wrappers, and nothing else of Graflow (no engine, no job data beyond a
 * child's run id, no wake-up channel):
 * - the producer claims the run id and creates the group's barrier ahead of the flow (on the same
 *   connection, as Graflow does), and ends the run (its status, output and the TTL of its keys)
 *   after the parent completes, reading its results back, as `run()` does;
 * - each branch's worker records its outcome (and its result) in the barrier before its job
 *   completes.
 * What Graflow costs over this floor is its own layering; what the floor costs over raw BullMQ
 * is what the contract asks of Redis and of the processes that call it.
 */

const TTL_SECONDS = 86_400;
const LIMITS = { ttlSeconds: TTL_SECONDS, maxPayloadBytes: 16 * 1024 * 1024 };
/** One group per run, so its key within the run is fixed (Graflow's is a hash of its path). */
const GROUP_KEY = '0123456789abcdef';
const MEMBERS = ['b0', 'b1', 'b2', 'b3'];

async function connectRuntime(port: number, prefix: string): Promise<RedisRuntime> {
  return await RedisRuntime.connect(resolveRedisConfig({ host: '127.0.0.1', port, keyPrefix: prefix }), { connectTimeoutMs: 5_000 });
}

function barrierOf(runtime: RedisRuntime, runId: string): Barrier {
  return new Barrier(runtime.redis, new RunKeys(runtime.prefix, runId).barrier(GROUP_KEY), TTL_SECONDS);
}

/** The producer side: one four-branch run at a time per call, any number in flight. */
export class BarrierFloor {
  private constructor(
    private readonly runtime: RedisRuntime,
    private readonly flows: RawFlows,
  ) {}

  static async open(port: number, prefix: string): Promise<BarrierFloor> {
    const runtime = await connectRuntime(port, prefix);
    // Flows go out on the runtime's connection, as Graflow's do: the barrier's creation is
    // written ahead of the flow on the same socket, so Redis runs it first without a wait.
    return new BarrierFloor(runtime, await RawFlows.open({ host: '127.0.0.1', port }, prefix, runtime.redis));
  }

  async run(): Promise<void> {
    const runId = randomUUID();
    const claim = claimRun(this.runtime, runId, { ttlSeconds: TTL_SECONDS, status: 'running', name: 'floor' });
    const init = barrierOf(this.runtime, runId).init(MEMBERS.length, 'strict', MEMBERS, 'floor');
    await Promise.all([claim, init, this.flows.run(MEMBERS.length, { runId })]);
    const { results } = await completeRun(this.runtime, { runId, limits: LIMITS }, null);
    if (Object.keys(results).length !== MEMBERS.length) throw new Error(`floor run ${runId} ended with ${Object.keys(results).length} results`);
  }

  async close(): Promise<void> {
    await this.flows.close();
    await this.runtime.close();
  }
}

/** The worker side: a plain BullMQ worker whose branches record their outcome first. */
export async function startFloorWorker(port: number, prefix: string, concurrency: number, onProcessed: () => void): Promise<{ stop(): Promise<unknown> }> {
  const runtime = await connectRuntime(port, prefix);
  const none = encodeValue(null, 'a no-op result', LIMITS.maxPayloadBytes);
  const worker = new Worker(DEFAULT_QUEUE, async (job: Job<{ i?: number; runId?: string }>) => {
    onProcessed();
    const { i, runId } = job.data;
    if (i === undefined || runId === undefined) return null;
    const rec = await barrierOf(runtime, runId).record(i, 'ok', none, MEMBERS[i]);
    if (rec.code < 1) throw new Error(`floor record of ${job.id} returned ${rec.code}`);
    return i;
  }, { connection: runtime.redis, prefix, concurrency });
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  return {
    stop: async () => {
      await worker.close();
      await runtime.close();
    },
  };
}
