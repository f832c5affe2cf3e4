/**
 * The queues the board shows: every BullMQ queue under the key prefix (under every shard's prefix
 * when the namespace is sharded), kept in step with Redis. A pool that gets its first job after
 * the board started (`gpu`) appears within one refresh interval; a queue whose keys are gone
 * (obliterated) leaves. `tasks` is always shown.
 */
import type { createBullBoard } from '@bull-board/api';
import { DEFAULT_QUEUE } from '@graflow/core/redis';
import type { Logger } from '@graflow/worker';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BranchValueReader } from './branch-values';
import { GraflowQueueAdapter } from './graflow-adapter';
import { discoverShardQueues } from './queue-discovery';

type BullBoard = ReturnType<typeof createBullBoard>;

export interface BoardQueuesOptions {
  redis: Redis;
  /** The namespace: its key prefix and shard count (1: the prefix itself). */
  namespace: { keyPrefix: string; shards: number };
  readOnly: boolean;
  refreshMs: number;
  /** Reads branch values under one (shard) prefix. */
  valuesOf(prefix: string): BranchValueReader;
  logger?: Logger;
}

export class BoardQueues {
  private readonly queues = new Map<string, { queue: Queue; adapter: GraflowQueueAdapter }>();
  private board: BullBoard | undefined;
  private lastRefresh = 0;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: BoardQueuesOptions) {}

  /** Finds the queues present now; call once before the board is created. */
  async start(): Promise<GraflowQueueAdapter[]> {
    await this.refresh();
    return [...this.queues.values()].map((q) => q.adapter);
  }

  /** From now on, queues found or lost are added to or removed from this board. */
  attach(board: BullBoard): void {
    this.board = board;
  }

  /** Queue names; with shards, `<shard prefix>:<queue>` (BullMQ's qualified name). */
  names(): string[] {
    return [...this.queues.keys()];
  }

  /** Refreshes unless the last refresh is younger than the interval; concurrent callers share one. */
  async refreshIfStale(): Promise<void> {
    if (this.closed || Date.now() - this.lastRefresh < this.options.refreshMs) return;
    await this.refresh();
  }

  refresh(): Promise<void> {
    this.running ??= this.scan().finally(() => {
      this.lastRefresh = Date.now();
      this.running = undefined;
    });
    return this.running;
  }

  private async scan(): Promise<void> {
    const { redis, namespace, logger } = this.options;
    const sharded = namespace.shards > 1;
    const present = new Map<string, { prefix: string; name: string }>();
    for (const [prefix, names] of await discoverShardQueues(redis, namespace)) {
      for (const name of names) present.set(sharded ? `${prefix}:${name}` : name, { prefix, name });
    }
    if (this.closed) return;
    for (const [key, { prefix, name }] of present) {
      if (this.queues.has(key)) continue;
      const entry = this.open(prefix, name);
      this.queues.set(key, entry);
      this.board?.addQueue(entry.adapter);
      logger?.info('queue shown', { queue: name, keyPrefix: prefix });
    }
    for (const [key, entry] of this.queues) {
      if (present.has(key)) continue;
      this.queues.delete(key);
      this.board?.removeQueue(entry.adapter);
      await entry.queue.close();
      logger?.info('queue gone', { queue: entry.queue.name, keyPrefix: entry.queue.opts.prefix });
    }
  }

  private open(prefix: string, name: string): { queue: Queue; adapter: GraflowQueueAdapter } {
    const { redis, namespace, readOnly, valuesOf } = this.options;
    // One shared connection: BullMQ does not close a connection it was given.
    const queue = new Queue(name, { connection: redis, prefix });
    const adapter = new GraflowQueueAdapter(queue, valuesOf(prefix), {
      readOnlyMode: readOnly,
      // Bull Board keys queues by name: each shard's `tasks` needs its own.
      ...(namespace.shards > 1 ? { prefix: `${prefix}:` } : {}),
      displayName: `${prefix} · ${name}`,
      description:
        name === DEFAULT_QUEUE
          ? 'Parallel groups (parent jobs, named "group <id>") and the branches of tasks that name no queue'
          : `Branches of tasks declared with { queue: '${name}' }; their groups are on "${DEFAULT_QUEUE}"`,
    });
    return { queue, adapter };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running?.catch(() => undefined);
    await Promise.all([...this.queues.values()].map((q) => q.queue.close()));
    this.queues.clear();
  }
}
