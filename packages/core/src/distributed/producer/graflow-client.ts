import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GraflowConnectionError } from '../../errors';
import { ClientClosedError } from '../../errors/run-errors';
import type { Graph } from '../../graph/types';
import type { ResolvedClientOptions } from '../../options/client-options';
import type { ResolvedRedisConfig } from '../../options/redis-config';
import { connectChecked, redisAddress } from '../connection';
import { wakeChannel } from '../keys';
import { Namespace } from '../namespace';
import type { RedisRuntime } from '../redis-runtime';
import { QueueLiveness } from '../worker-heartbeat';
import { ChannelWatches } from '../run-job/channel-watch';
import { RunView } from '../run-job/run-view';
import { submitRun, type SubmitRunOptions } from '../run-job/submit-run';
import { ConnectionHealth } from './connection-health';
import { openRun, type RunSession, type RunSessionOptions } from './run-session';
import { WakeDispatcher } from './wake-dispatcher';
import type { ProducerClient } from './producer-client';

/**
 * A process's long-lived connection to Graflow on Redis: create it once with `connect(config)`,
 * pass it to every run (`wf.run({ client })`), and `close()` it at shutdown. However many runs and
 * groups are in flight, and however many shards the namespace has, it holds two connections (per
 * node, on a Cluster): one for commands (shared with BullMQ's producers and queues of every
 * shard) and one subscriber on which every decided group wakes its waiter.
 */
export class GraflowClient implements ProducerClient {
  /** @internal */
  readonly wakeups: WakeDispatcher;
  /** @internal */
  readonly health: ConnectionHealth;
  /** @internal Workers' heartbeats under this client's runtime (a shard's, for a shard's client). */
  readonly liveness: QueueLiveness;
  /** @internal Followers of run channels (RunHandle), on the same subscriber. */
  readonly watches: ChannelWatches;
  private closed = false;
  /**
   * The client each shard's runs are given: the shard's runtime and liveness, with this client's
   * wake-ups and health. Unsharded, the one entry is this client itself.
   */
  private readonly shardClients: readonly GraflowClient[];

  private constructor(
    /** @internal */ readonly namespace: Namespace,
    /** @internal The runtime of this client's runs: the only shard, or the first (sharded runs get their shard's client). */
    readonly runtime: RedisRuntime,
    private readonly subscriber: Redis,
    readonly options: ResolvedClientOptions,
    private readonly root?: GraflowClient,
  ) {
    const { config } = namespace;
    this.wakeups = root?.wakeups ?? new WakeDispatcher(subscriber, wakeChannel(runtime.prefix, randomUUID()));
    this.health = root?.health ?? new ConnectionHealth([runtime.redis, subscriber], options.redisUnavailableTimeoutMs, (ms) =>
      GraflowConnectionError.unavailable(redisAddress(config), config.keyPrefix, ms),
    );
    this.liveness = new QueueLiveness(runtime.redis, runtime.prefix);
    this.watches = root?.watches ?? new ChannelWatches(subscriber);
    this.shardClients = root || namespace.shards.length === 1 ? [this] : namespace.shards.map((shard) => new GraflowClient(namespace, shard, subscriber, options, this));
  }

  /** Connects (command connection and subscriber) or fails within `connectTimeoutMs`. */
  static async connect(config: ResolvedRedisConfig, options: ResolvedClientOptions): Promise<GraflowClient> {
    const namespace = await Namespace.connect(config, { connectTimeoutMs: options.connectTimeoutMs });
    const [first] = namespace.shards;
    const subscriber = first!.subscriberConnection();
    try {
      await connectChecked(subscriber, first!.config, options.connectTimeoutMs);
      const client = new GraflowClient(namespace, first!, subscriber, options);
      await client.wakeups.start();
      return client;
    } catch (err) {
      subscriber.disconnect();
      await namespace.close();
      throw err;
    }
  }

  /** The namespace every run of this client lives in (a shard's client: that shard's prefix). */
  get keyPrefix(): string {
    return this.root ? this.runtime.prefix : this.namespace.config.keyPrefix;
  }

  /** @internal The runtime of the shard that holds `runId` (see `shardIndexOfRun`). */
  runtimeFor(runId: string): RedisRuntime {
    return this.namespace.forRun(runId);
  }

  /** @internal Claims a run id (in the shard it hashes to) and returns what a run needs to execute against Redis. */
  openRun(graph: Graph, options: RunSessionOptions): Promise<RunSession> {
    if (this.closed) throw new ClientClosedError();
    const runId = options.runId ?? randomUUID();
    return openRun(this.shardClients[this.namespace.shardIndexOf(runId)]!, graph, Object.assign({}, options, { runId, generatedId: options.runId === undefined }));
  }

  /** @internal Enqueues a durable run (`workflow.submit()`) in its shard; resolves with its id once it is enqueued. */
  submitRun(graph: Graph, options: SubmitRunOptions): Promise<string> {
    if (this.closed) throw new ClientClosedError();
    const runId = options.runId ?? randomUUID();
    return submitRun(this.shardClients[this.namespace.shardIndexOf(runId)]!, graph, { ...options, runId });
  }

  /** @internal A run of this namespace, submitted or started anywhere (`getRun()`), seen through its shard. */
  runView(runId: string): RunView {
    if (this.closed) throw new ClientClosedError();
    return new RunView(this.shardClients[this.namespace.shardIndexOf(runId)]!, runId);
  }

  /** Closes both connections; runs still in flight fail. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.dispose();
    this.subscriber.disconnect();
    await this.namespace.close();
  }
}
