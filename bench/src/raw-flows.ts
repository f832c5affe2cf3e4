import { FlowProducer, QueueEvents, type FlowJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_QUEUE } from '@graflow/core/redis';

/** The retention Graflow gives its jobs (run TTL), so both sides pay the same cleanup. */
export const RETENTION = { age: 86_400 };

/**
 * The raw BullMQ floor: one flow per group (a `group` parent with n `branch` children on queue
 * `tasks`), done when the parent completes, as seen through `QueueEvents`.
 */
export class RawFlows {
  private seq = 0;
  private readonly waiters = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();

  private constructor(
    private readonly producer: FlowProducer,
    private readonly events: QueueEvents,
    private readonly prefix: string,
  ) {
    events.on('completed', ({ jobId }) => this.settle(jobId));
    events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, new Error(`raw flow parent ${jobId} failed: ${failedReason}`)));
  }

  /** `flowConnection`: add flows on this client (open, shared) instead of a connection of their own. */
  static async open(redis: { host: string; port: number }, prefix: string, flowConnection?: Redis): Promise<RawFlows> {
    const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
    const producer = new FlowProducer({ connection: flowConnection ?? connection, prefix });
    const events = new QueueEvents(DEFAULT_QUEUE, { connection, prefix });
    producer.on('error', () => undefined);
    events.on('error', () => undefined);
    await Promise.all([producer.waitUntilReady(), events.waitUntilReady()]);
    return new RawFlows(producer, events, prefix);
  }

  /**
   * Adds one flow of `branches` children and resolves when its parent job has completed. Each
   * child's data is `{ i }` (its index), with `extra` when given.
   */
  async run(branches: number, extra?: Record<string, unknown>): Promise<void> {
    const id = `raw-${process.pid}-${this.seq++}`;
    const done = new Promise<void>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    const children: FlowJob[] = Array.from({ length: branches }, (_, i) => ({
      name: 'branch',
      queueName: DEFAULT_QUEUE,
      data: extra ? { i, ...extra } : { i },
      opts: { jobId: `${id}-b${i}`, attempts: 1, ignoreDependencyOnFailure: true, removeOnComplete: RETENTION, removeOnFail: RETENTION },
    }));
    try {
      await this.producer.add({
        name: 'group',
        queueName: DEFAULT_QUEUE,
        data: { branches },
        opts: { jobId: id, removeOnComplete: RETENTION, removeOnFail: RETENTION },
        children,
      });
    } catch (err) {
      this.waiters.delete(id);
      throw err;
    }
    await done;
  }

  async close(): Promise<void> {
    for (const [id, waiter] of this.waiters) waiter.reject(new Error(`raw flow ${id} (prefix ${this.prefix}) still pending at close`));
    this.waiters.clear();
    await Promise.allSettled([this.producer.close(), this.events.close()]);
  }

  private settle(jobId: string, err?: Error): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    this.waiters.delete(jobId);
    if (err) waiter.reject(err);
    else waiter.resolve();
  }
}
