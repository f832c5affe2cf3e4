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
 * One timer per runtime serves every run it holds, so holding one per branch costs a map entry.
 */
export function keepRunAlive(runtime: RedisRuntime, run: Pick<RunRef, 'runId' | 'limits'>): () => void {
  let keeper = keepers.get(runtime);
  if (!keeper) keepers.set(runtime, (keeper = new RunKeeper(runtime)));
  return keeper.hold(run.runId, run.limits.ttlSeconds);
}

const keepers = new WeakMap<RedisRuntime, RunKeeper>();

/** The runs a runtime holds, and the one timer that refreshes those that are due. */
class RunKeeper {
  private readonly held = new Map<string, { ttlSeconds: number; holders: number; touchedAt: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly runtime: RedisRuntime) {}

  hold(runId: string, ttlSeconds: number): () => void {
    let entry = this.held.get(runId);
    if (!entry) this.held.set(runId, (entry = { ttlSeconds, holders: 0, touchedAt: Date.now() }));
    entry.holders++;
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
    let released = false;
    const held = entry;
    return () => {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      this.held.delete(runId);
    };
  }

  private tick(): void {
    // The timer stops at the first tick with nothing held, not at each release: a worker whose
    // runs come and go would otherwise create and clear an interval per branch.
    if (this.held.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const [runId, entry] of this.held) {
      if (now - entry.touchedAt < touchIntervalMs(entry.ttlSeconds)) continue;
      entry.touchedAt = now;
      void touchRun(this.runtime, runId, entry.ttlSeconds).catch(() => undefined);
    }
  }
}

/** How often held runs are looked at; each is refreshed once a third of its TTL has passed. */
const TICK_MS = 1_000;
