import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
// A namespace's BullMQ queues share one BullMQ prefix: the key prefix, or each shard's prefix.
import { DEFAULT_QUEUE, shardPrefixes } from '@graflow/core/redis';
import type { Logger, RedisConnectionOptions } from '../task-worker-api';
import { connectRedis, toRedisConfig } from '../redis/connection';

export interface QueueDepthProbeOptions {
  /** The BullMQ queues of the namespace to read. @defaultValue ['tasks'] */
  queues?: readonly string[];
  logger?: Logger;
  /** How long a scrape waits for Redis before it reports the depth as unknown. @defaultValue 2000 */
  timeoutMs?: number;
}

/**
 * Reads the backlog of some of a namespace's queues (waiting plus prioritized jobs, what an HPA
 * scales on) at scrape time, through BullMQ's own `getJobCounts`, over one connection. A sharded
 * namespace has each queue once per shard; its depth is the sum over the shards (a queue whose
 * depth is unknown in any shard is unknown). It reconnects on its own; while Redis is away every
 * depth is `undefined` at once instead of hanging the scrape.
 */
export class QueueDepthProbe {
  readonly queues: readonly string[];
  private readonly client: Redis;
  /** Per queue name, its BullMQ handle in every shard. */
  private readonly bullQueues: Map<string, Queue[]>;
  private readonly logger: Logger | undefined;
  private readonly timeoutMs: number;

  constructor(redis: RedisConnectionOptions, readonly keyPrefix: string, options: QueueDepthProbeOptions = {}) {
    this.queues = [...new Set(options.queues ?? [DEFAULT_QUEUE])];
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.client = connectRedis(redis, keyPrefix);
    const prefixes = shardPrefixes(toRedisConfig(redis, keyPrefix));
    this.bullQueues = new Map(
      this.queues.map((name) => {
        const shards = prefixes.map((prefix) => {
          const queue = new Queue(name, { connection: this.client, prefix });
          queue.on('error', (err: Error) => this.logger?.debug('queue-depth connection error', { err, queue: name, prefix }));
          return queue;
        });
        return [name, shards] as const;
      }),
    );
  }

  /** True while the probe's connection is ready. */
  get connected(): boolean {
    return this.client.status === 'ready' || (this.client.status === 'connect' && this.client.isCluster);
  }

  /** The depth of every probed queue, in the order given; `undefined` where it is unknown. */
  async depths(): Promise<Map<string, number | undefined>> {
    const values = await this.withTimeout(() => Promise.all(this.queues.map((name) => this.count(name))));
    return new Map(this.queues.map((name, i) => [name, values?.[i]]));
  }

  /** The depth of one probed queue (the first by default). */
  async depth(queue: string = this.queues[0]!): Promise<number | undefined> {
    if (!this.bullQueues.has(queue)) throw new Error(`queue ${queue} is not probed (probed: ${this.queues.join(', ')})`);
    return await this.withTimeout(() => this.count(queue));
  }

  /** `undefined` at once while disconnected, or once the timeout passes. */
  private async withTimeout<T>(read: () => Promise<T>): Promise<T | undefined> {
    if (!this.connected) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      return await Promise.race([read(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async count(name: string): Promise<number | undefined> {
    const depths = await Promise.all(
      this.bullQueues.get(name)!.map((queue) =>
        queue.getJobCounts('waiting', 'prioritized').then(
          (c) => (c.waiting ?? 0) + (c.prioritized ?? 0),
          (err: unknown) => {
            this.logger?.warn('could not read the queue depth', { err, keyPrefix: queue.opts.prefix, queue: name });
            return undefined;
          },
        ),
      ),
    );
    // A partial sum would tell an autoscaler the backlog shrank.
    return depths.includes(undefined) ? undefined : depths.reduce<number>((sum, n) => sum + n!, 0);
  }

  async close(): Promise<void> {
    // Disconnect first: a connection handshake still pending then settles while BullMQ's error
    // forwarding is attached (a shared connection closed mid-handshake would emit an unhandled
    // 'error'), and only then close the queues.
    this.client.disconnect();
    await Promise.all(
      [...this.bullQueues.values()].flat().map(async (queue) => {
        await queue.waitUntilReady().catch(() => undefined);
        await queue.close().catch(() => undefined);
      }),
    );
  }
}
