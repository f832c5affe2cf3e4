import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
// The namespace's one BullMQ queue; its BullMQ prefix is the key prefix.
import { QUEUE_NAME } from '@graflow/core';
import type { Logger, RedisConnectionOptions } from '../task-worker-api';
import { connectRedis } from '../redis/connection';

/**
 * Reads the backlog of a namespace's `tasks` queue (waiting plus prioritized jobs, what an HPA
 * scales on) at scrape time, through BullMQ's own `getJobCounts`. Its connection reconnects on
 * its own; while Redis is away `depth()` answers `undefined` at once instead of hanging the scrape.
 */
export class QueueDepthProbe {
  private readonly client: Redis;
  private readonly queue: Queue;

  constructor(
    redis: RedisConnectionOptions,
    readonly keyPrefix: string,
    private readonly logger?: Logger,
    private readonly timeoutMs = 2_000,
  ) {
    this.client = connectRedis(redis, keyPrefix, 'graflow-queue-depth');
    this.queue = new Queue(QUEUE_NAME, { connection: this.client, prefix: keyPrefix });
    this.queue.on('error', (err: Error) => this.logger?.debug('queue-depth connection error', { err }));
  }

  /** True while the probe's connection is ready. */
  get connected(): boolean {
    return this.client.status === 'ready' || (this.client.status === 'connect' && this.client.isCluster);
  }

  async depth(): Promise<number | undefined> {
    if (!this.connected) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    const counts = this.queue.getJobCounts('waiting', 'prioritized').then(
      (c) => (c.waiting ?? 0) + (c.prioritized ?? 0),
      (err: unknown) => {
        this.logger?.warn('could not read the queue depth', { err, keyPrefix: this.keyPrefix });
        return undefined;
      },
    );
    try {
      return await Promise.race([counts, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    // Disconnect first: a connection handshake still pending then settles while BullMQ's error
    // forwarding is attached (a shared connection closed mid-handshake would emit an unhandled
    // 'error'), and only then close the queue.
    this.client.disconnect();
    await this.queue.client.catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }
}
