import { FlowProducer, Queue } from 'bullmq';
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import { GraphStore } from '@graflow/store';
import type { Graph } from '../graph/types';
import type { ResolvedRedisConfig } from '../options/redis-config';
import { connectChecked, createRedisClient } from './connection';
import { bounded } from '../util/signals';
import { DEFAULT_QUEUE, RunKeys } from './keys';
import { RedisJournal, RedisRunState, type JournalOptions } from './redis-run-state';
import type { RunLimits } from './run-limits';

/**
 * The largest graph a run may upload (canonical bytes, before compression). A group fanned out
 * over 100,000 bound params is about 13 MB; the store's generic default (16 MiB) would stop
 * growth just past that. Bounded by the store's cache (64 MiB), so a worker still caches it.
 */
export const MAX_GRAPH_BYTES = 64 * 1024 * 1024;

export interface RuntimeSettings {
  connectTimeoutMs: number;
}

/**
 * The Redis side of a process (a producer's run, or a worker): one command connection, the graph
 * store, and lazily the BullMQ producer and queue handles, all under one key prefix. The shards of
 * a namespace are runtimes on one connection (see `Namespace`): only the first owns it.
 */
export class RedisRuntime {
  private flowProducer?: FlowProducer;
  /**
   * Queue handles by name, bounded: names come from graphs, and a worker must not grow without
   * limit on graphs that name thousands of queues. An evicted handle is closed (its connection is
   * shared, so closing releases only listeners).
   */
  private readonly queues = new LRUCache<string, Queue>({ max: 64, dispose: (queue) => void queue.close().catch(() => undefined) });
  private readonly graphHashes = new WeakMap<Graph, Promise<string>>();

  private constructor(
    readonly config: ResolvedRedisConfig,
    readonly redis: Redis,
    readonly store: GraphStore,
    readonly settings: RuntimeSettings,
    private readonly ownsConnection = true,
  ) {}

  static async connect(config: ResolvedRedisConfig, settings: RuntimeSettings, store?: GraphStore): Promise<RedisRuntime> {
    const redis = createRedisClient(config, { connectTimeoutMs: settings.connectTimeoutMs, blocking: true });
    await connectChecked(redis, config, settings.connectTimeoutMs);
    return new RedisRuntime(config, redis, store ?? new GraphStore({ redis, keyPrefix: config.keyPrefix, maxBlobBytes: MAX_GRAPH_BYTES }), settings);
  }

  /** A second connection to the same server for pub/sub (subscribers take no other commands). */
  subscriberConnection(): Redis {
    const subscriber = this.redis.duplicate();
    subscriber.on('error', () => undefined);
    return subscriber;
  }

  /**
   * A runtime for another key prefix (a shard) on this runtime's connection, with a graph store
   * of its own prefix. Closing it closes its BullMQ handles and leaves the connection to its owner.
   */
  sibling(config: ResolvedRedisConfig): RedisRuntime {
    return new RedisRuntime(config, this.redis, new GraphStore({ redis: this.redis, keyPrefix: config.keyPrefix, maxBlobBytes: MAX_GRAPH_BYTES }), this.settings, false);
  }

  get prefix(): string {
    return this.config.keyPrefix;
  }

  keys(runId: string): RunKeys {
    return new RunKeys(this.prefix, runId);
  }

  runState(runId: string, limits: RunLimits): RedisRunState {
    return new RedisRunState(this.redis, this.keys(runId), limits);
  }

  journal(runId: string, branchPath: string, limits: RunLimits, options: JournalOptions = {}): RedisJournal {
    return new RedisJournal(this.redis, this.keys(runId), branchPath, limits, options);
  }

  /** Saves a graph once per graph object (lazy upload: only when a distributed group starts). */
  graphHash(graph: Graph): Promise<string> {
    let hash = this.graphHashes.get(graph);
    if (!hash) {
      hash = this.store.save(graph);
      hash.catch(() => this.graphHashes.delete(graph));
      this.graphHashes.set(graph, hash);
    }
    return hash;
  }

  /** Remembers the hash of a graph loaded from the store, so nested groups don't save it again. */
  knowGraph(graph: Graph, hash: string): void {
    this.graphHashes.set(graph, Promise.resolve(hash));
  }

  get flows(): FlowProducer {
    if (!this.flowProducer) {
      this.flowProducer = new FlowProducer({ connection: this.redis, prefix: this.prefix });
      // Connection errors surface through the command that failed; an unheard 'error' would print.
      this.flowProducer.on('error', () => undefined);
    }
    return this.flowProducer;
  }

  /** The namespace's default queue (group jobs, and branches whose tasks name no queue). */
  get queue(): Queue {
    return this.queueFor(DEFAULT_QUEUE);
  }

  queueFor(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: this.prefix });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Closes the BullMQ handles and, unless it is a sibling's, the connection. Bounded: while Redis is unreachable a graceful
   * QUIT would wait for it, so after a short grace the connection is dropped.
   */
  async close(): Promise<void> {
    const handles = [this.flowProducer?.close(), ...[...this.queues.values()].map((q) => q.close())];
    if (this.redis.status === 'ready') {
      await bounded((async () => {
        await Promise.allSettled(handles);
        if (this.ownsConnection) await this.redis.quit();
      })(), 2_000);
    } else {
      for (const h of handles) h?.catch(() => undefined);
    }
    if (this.ownsConnection) this.redis.disconnect();
  }
}
