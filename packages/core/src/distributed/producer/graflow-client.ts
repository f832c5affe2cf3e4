import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GraflowConnectionError } from '../../errors';
import type { Graph } from '../../graph/types';
import type { ResolvedClientOptions } from '../../options/client-options';
import type { ResolvedRedisConfig } from '../../options/run-options';
import { connectChecked, redisAddress } from '../connection';
import { wakeChannel } from '../keys';
import { RedisRuntime } from '../redis-runtime';
import { QueueLiveness } from '../worker-heartbeat';
import { ChannelWatches } from '../run-job/channel-watch';
import { RunView } from '../run-job/run-view';
import { submitRun, type SubmitRunOptions } from '../run-job/submit-run';
import { ConnectionHealth } from './connection-health';
import { openRun, type RunSession, type RunSessionOptions } from './run-session';
import { WakeDispatcher } from './wake-dispatcher';

/**
 * A process's long-lived connection to Graflow on Redis: create it once with `connect(config)`,
 * pass it to every run (`wf.run({ client })`), and `close()` it at shutdown. However many runs and
 * groups are in flight, it holds two connections: one for commands (shared with BullMQ's producer
 * and queues) and one subscriber on which every decided group wakes its waiter.
 */
export class GraflowClient {
  /** @internal */
  readonly wakeups: WakeDispatcher;
  /** @internal */
  readonly health: ConnectionHealth;
  /** @internal */
  readonly liveness: QueueLiveness;
  /** @internal Followers of run channels (RunHandle), on the same subscriber. */
  readonly watches: ChannelWatches;
  private closed = false;

  private constructor(
    /** @internal */ readonly runtime: RedisRuntime,
    private readonly subscriber: Redis,
    readonly options: ResolvedClientOptions,
  ) {
    const { config } = runtime;
    this.wakeups = new WakeDispatcher(subscriber, wakeChannel(config.keyPrefix, randomUUID()));
    this.health = new ConnectionHealth([runtime.redis, subscriber], options.redisUnavailableTimeoutMs, (ms) =>
      GraflowConnectionError.unavailable(redisAddress(config), config.keyPrefix, ms),
    );
    this.liveness = new QueueLiveness(runtime.redis, config.keyPrefix);
    this.watches = new ChannelWatches(subscriber);
  }

  /** Connects (command connection and subscriber) or fails within `connectTimeoutMs`. */
  static async connect(config: ResolvedRedisConfig, options: ResolvedClientOptions): Promise<GraflowClient> {
    const runtime = await RedisRuntime.connect(config, { connectTimeoutMs: options.connectTimeoutMs });
    const subscriber = runtime.subscriberConnection();
    try {
      await connectChecked(subscriber, config, options.connectTimeoutMs);
      const client = new GraflowClient(runtime, subscriber, options);
      await client.wakeups.start();
      return client;
    } catch (err) {
      subscriber.disconnect();
      await runtime.close();
      throw err;
    }
  }

  /** The namespace every run of this client lives in. */
  get keyPrefix(): string {
    return this.runtime.config.keyPrefix;
  }

  /** @internal Claims a run id and returns what a run needs to execute against Redis. */
  openRun(graph: Graph, options: RunSessionOptions): Promise<RunSession> {
    if (this.closed) throw new Error('this Graflow client is closed');
    return openRun(this, graph, options);
  }

  /** @internal Enqueues a durable run (`workflow.submit()`); resolves with its id once it is enqueued. */
  submitRun(graph: Graph, options: SubmitRunOptions): Promise<string> {
    if (this.closed) throw new Error('this Graflow client is closed');
    return submitRun(this, graph, options);
  }

  /** @internal A run of this namespace, submitted or started anywhere (`getRun()`). */
  runView(runId: string): RunView {
    if (this.closed) throw new Error('this Graflow client is closed');
    return new RunView(this, runId);
  }

  /** Closes both connections; runs still in flight fail. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.dispose();
    this.subscriber.disconnect();
    await this.runtime.close();
  }
}
