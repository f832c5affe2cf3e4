import type { Redis } from 'ioredis';
import { workersKey } from './keys';
import { scripted } from './scripts';

/** How often a worker announces each queue it serves. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A worker not heard from for this long is gone (four missed heartbeats). */
export const HEARTBEAT_STALE_MS = 4 * HEARTBEAT_INTERVAL_MS;
/** How long a gone worker is remembered, so producers can say "workers were here and left". */
const RETAIN_MS = 24 * 60 * 60 * 1_000;

/**
 * A worker's presence on its queues, in Redis under the key prefix (so it is scoped by prefix
 * and database, and works for ACL users limited to the prefix). Producers read it to tell a
 * busy fleet from no fleet; see `QueueLiveness`.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly queues: readonly string[],
    private readonly workerId: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Announces the worker now, then every `HEARTBEAT_INTERVAL_MS` until `stop()`. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(this.onError), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  private async beat(backMs = 0): Promise<void> {
    const client = scripted(this.redis);
    await Promise.all(this.queues.map((q) => client.graflowWorkerHeartbeat(workersKey(this.prefix, q), this.workerId, RETAIN_MS, backMs)));
  }

  /**
   * Stops announcing; with `leave`, producers stop counting this worker at once (it is kept as
   * "seen before", so a fleet that left is reported as gone, not as never started).
   */
  async stop(leave = true): Promise<void> {
    clearInterval(this.timer);
    if (leave) await this.beat(HEARTBEAT_STALE_MS + 1).catch(this.onError);
  }
}

export interface QueuePresence {
  /** Workers with a fresh heartbeat. */
  alive: number;
  /** The last worker seen on the queue, if any ever was, and how long ago. */
  lastWorker?: string;
  lastSeenAgoMs?: number;
}

/** Reads queue presence for a producer; one read per queue per second at most, however many groups wait. */
export class QueueLiveness {
  private readonly cache = new Map<string, { at: number; value: Promise<QueuePresence> }>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  check(queue: string): Promise<QueuePresence> {
    const now = Date.now();
    const hit = this.cache.get(queue);
    if (hit && now - hit.at < 1_000) return hit.value;
    const value = scripted(this.redis)
      .graflowWorkersAlive(workersKey(this.prefix, queue), HEARTBEAT_STALE_MS)
      .then(([alive, lastWorker, agoMs]) => (lastWorker ? { alive, lastWorker, lastSeenAgoMs: agoMs } : { alive }));
    value.catch(() => this.cache.delete(queue));
    this.cache.set(queue, { at: now, value });
    return value;
  }
}
