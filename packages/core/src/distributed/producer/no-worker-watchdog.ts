import type { NoWorkerObservation } from '../../errors';
import type { GroupInstance } from '../group-instance';
import type { ProducerClient } from './producer-client';

/**
 * Tells a waiting group whose queue has had no live worker for the whole window. It reads the
 * workers' heartbeats under the key prefix (so a producer on another database or prefix sees
 * none, and ACL users need no CLIENT command); a fleet that is alive but busy is never a verdict.
 */
export class NoWorkerWatchdog {
  constructor(
    private readonly client: ProducerClient,
    private readonly instance: GroupInstance,
    private readonly queues: readonly string[],
    private readonly windowMs: number,
    private readonly startedAt: number,
  ) {}

  /** How soon a verdict could be due: the waiter looks again by then. */
  nextLookInMs(): number {
    return Math.max(250, Math.min(this.windowMs / 4, 5_000));
  }

  /** The observation to report when some queue has had no live worker for the window. */
  async verdict(now: number): Promise<NoWorkerObservation | undefined> {
    for (const queue of this.queues) {
      const presence = await this.client.liveness.check(queue);
      if (presence.alive > 0) continue;
      const lastSeenAt = presence.lastSeenAgoMs === undefined ? -Infinity : now - presence.lastSeenAgoMs;
      const since = Math.max(this.startedAt, lastSeenAt);
      if (now - since < this.windowMs) continue;
      // The namespace's own prefix and shard count are what an operator sets on the workers.
      const { config } = this.client.namespace;
      const shards = this.client.namespace.shards.length;
      return {
        groupId: this.instance.group.id,
        keyPrefix: config.keyPrefix,
        queue,
        waitedMs: now - since,
        ...(config.db ? { db: config.db } : {}),
        ...(shards > 1 ? { shards, shardPrefix: this.client.runtime.prefix } : {}),
        ...(presence.lastWorker ? { lastWorker: presence.lastWorker, lastSeenAgoMs: presence.lastSeenAgoMs } : {}),
      };
    }
    return undefined;
  }
}
