import { randomUUID } from 'node:crypto';
import { RunIdInUseError } from '../errors';
import type { RedisRuntime } from './redis-runtime';
import { scripted } from './scripts';

/**
 * A claim's random tag: 8 hex digits. A v4 UUID's first 8 are random, and Node draws UUIDs from
 * a pool (0.3 µs, where randomBytes(4) asks the system's generator every time: 2.4 µs a run).
 */
export function newEpoch(): string {
  return randomUUID().slice(0, 8);
}

export interface RunClaim {
  runId: string;
  /** Random tag of this claim; part of every job id of the run. */
  epoch: string;
}

/**
 * Claims `runId` under the runtime's prefix (see run-claim-3.lua), or throws `RunIdInUseError`.
 * Safe to repeat with the same epoch: a claim whose reply was lost in a reconnect is resent by
 * ioredis and must not then find its own run "in use".
 */
export async function claimRun(
  runtime: RedisRuntime,
  runId: string,
  options: { ttlSeconds: number; status: 'running' | 'queued'; name: string; epoch?: string },
): Promise<RunClaim> {
  const keys = runtime.keys(runId);
  const epoch = options.epoch ?? newEpoch();
  // Written at once: Redis runs the claim before whatever the caller sends next on this connection.
  const [claimed, status] = await scripted(runtime.redis).graflowRunClaim(
    keys.meta, keys.runKeys, keys.results, options.ttlSeconds, options.status, options.name, epoch, keys.control, keys.channelIndex, keys.events, keys.groups,
  );
  if (claimed !== 1) throw new RunIdInUseError(runId, runtime.prefix, String(status));
  return { runId, epoch };
}
