import type { RunRef } from './group-instance';
import type { RedisRuntime } from './redis-runtime';
import { scripted } from './scripts';

/** How often a live run's keys are refreshed: a third of its TTL, so two refreshes may fail. */
export function touchIntervalMs(ttlSeconds: number): number {
  return Math.max(1_000, Math.floor((ttlSeconds * 1_000) / 3));
}

/** Refreshes every key of a run (see run-touch.lua); one call whatever the run's size. */
export async function touchRun(runtime: RedisRuntime, runId: string, ttlSeconds: number): Promise<number> {
  return await scripted(runtime.redis).graflowRunTouch(runtime.keys(runId).runKeys, ttlSeconds);
}

/**
 * Keeps a run's keys alive while this process works on it (a branch running longer than the
 * run's TTL must not find its barrier gone). Returns the function that stops it. Errors are
 * ignored: a missed refresh is retried at the next tick, and a third of the TTL is to spare.
 */
export function keepRunAlive(runtime: RedisRuntime, run: Pick<RunRef, 'runId' | 'limits'>): () => void {
  const { ttlSeconds } = run.limits;
  const timer = setInterval(() => void touchRun(runtime, run.runId, ttlSeconds).catch(() => undefined), touchIntervalMs(ttlSeconds));
  timer.unref();
  return () => clearInterval(timer);
}
