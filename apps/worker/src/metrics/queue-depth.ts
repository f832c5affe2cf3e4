import { Queue } from 'bullmq';
// The namespace's one BullMQ queue; its BullMQ prefix is the key prefix.
import { QUEUE_NAME } from '@graflow/core';
import type { Logger, RedisConnectionOptions } from '../task-worker-api';
import { toBullConnection } from '../redis/connection';

/**
 * Reads the backlog of a namespace's `tasks` queue (waiting plus prioritized jobs, what an HPA
 * scales on) at scrape time, through BullMQ's own `getJobCounts`. The queue owns its connection
 * (BullMQ then reconnects it and, unlike a shared one, closes it safely mid-handshake). While
 * Redis is away `depth()` answers `undefined` at once instead of hanging the scrape.
 */
export class QueueDepthProbe {
  private readonly queue: Queue;
  private client: { status: string } | undefined;

  constructor(
    redis: RedisConnectionOptions,
    readonly keyPrefix: string,
    private readonly logger?: Logger,
    private readonly timeoutMs = 2_000,
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection: toBullConnection(redis, 'graflow-queue-depth'), prefix: keyPrefix });
    this.queue.on('error', (err: Error) => this.logger?.debug('queue-depth connection error', { err }));
    this.queue.client.then(
      (client) => (this.client = client),
      () => undefined,
    );
  }

  /** True while the probe's connection is ready. */
  get connected(): boolean {
    return this.client?.status === 'ready';
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
    await this.queue.close().catch(() => undefined);
  }
}
