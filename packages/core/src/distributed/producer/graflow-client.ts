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

  /** Closes both connections; runs still in flight fail. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.dispose();
    this.subscriber.disconnect();
    await this.runtime.close();
  }
}
