/**
 * The queues the board shows: every BullMQ queue under the key prefix, kept in step with Redis.
 * A pool that gets its first job after the board started (`gpu`) appears within one refresh
 * interval; a queue whose keys are gone (obliterated) leaves. `tasks` is always shown.
 */
import type { createBullBoard } from '@bull-board/api';
import { DEFAULT_QUEUE } from '@graflow/core/redis';
import type { Logger } from '@graflow/worker';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BranchValueReader } from './branch-values';
import { GraflowQueueAdapter } from './graflow-adapter';
import { discoverQueues } from './queue-discovery';

type BullBoard = ReturnType<typeof createBullBoard>;

export interface BoardQueuesOptions {
  redis: Redis;
  keyPrefix: string;
  readOnly: boolean;
  refreshMs: number;
  values: BranchValueReader;
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
    const { redis, keyPrefix, logger } = this.options;
    const present = await discoverQueues(redis, keyPrefix);
    if (this.closed) return;
    for (const name of present) {
      if (this.queues.has(name)) continue;
      const entry = this.open(name);
      this.queues.set(name, entry);
      this.board?.addQueue(entry.adapter);
      logger?.info('queue shown', { queue: name, keyPrefix });
    }
    for (const [name, entry] of this.queues) {
      if (present.includes(name)) continue;
      this.queues.delete(name);
      this.board?.removeQueue(entry.adapter);
      await entry.queue.close();
      logger?.info('queue gone', { queue: name, keyPrefix });
    }
  }

  private open(name: string): { queue: Queue; adapter: GraflowQueueAdapter } {
    const { redis, keyPrefix, readOnly, values } = this.options;
    // One shared connection: BullMQ does not close a connection it was given.
    const queue = new Queue(name, { connection: redis, prefix: keyPrefix });
    const adapter = new GraflowQueueAdapter(queue, values, {
      readOnlyMode: readOnly,
      displayName: `${keyPrefix} · ${name}`,
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
