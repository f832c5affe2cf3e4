import type { Redis } from 'ioredis';
import type { ResolvedRedisConfig } from '../options/redis-config';
import { RedisRuntime, type RuntimeSettings } from './redis-runtime';
import { shardConfigs, shardIndexOfRun } from './shards';

/**
 * A namespace on Redis, as producers and workers hold it: one runtime per shard (one in all when
 * unsharded), all on one command connection. An ioredis Cluster routes each command by its
 * key's slot, so the shards add no connections of their own beyond the ones the Cluster client
 * opens per node.
 *
 * @example
 * ```ts
 * const ns = await Namespace.connect(resolveRedisConfig({ keyPrefix: 'myapp', shards: 8, cluster: true }), { connectTimeoutMs: 5_000 });
 * const runtime = ns.forRun(runId); // the shard {myapp-i} that holds the run
 * await ns.close();
 * ```
 */
export class Namespace {
  private constructor(
    /** The namespace as configured: the base key prefix and the shard count. */
    readonly config: ResolvedRedisConfig,
    /** One runtime per shard, in shard order; the first owns the connection. */
    readonly shards: readonly RedisRuntime[],
  ) {}

  /**
   * Connects (and checks access, under the first shard's prefix) or fails within the timeout;
   * see `RedisRuntime.connect`.
   */
  static async connect(config: ResolvedRedisConfig, settings: RuntimeSettings): Promise<Namespace> {
    const [first, ...rest] = shardConfigs(config);
    const owner = await RedisRuntime.connect(first!, settings);
    return new Namespace(config, [owner, ...rest.map((shard) => owner.sibling(shard))]);
  }

  /** The command connection every shard shares. */
  get redis(): Redis {
    return this.shards[0]!.redis;
  }

  get prefixes(): string[] {
    return this.shards.map((shard) => shard.prefix);
  }

  shardIndexOf(runId: string): number {
    return shardIndexOfRun(runId, this.shards.length);
  }

  /** The runtime of the shard that holds `runId` (see `shardIndexOfRun`). */
  forRun(runId: string): RedisRuntime {
    return this.shards[this.shardIndexOf(runId)]!;
  }

  /** Closes every shard's BullMQ handles, then the connection. */
  async close(): Promise<void> {
    await Promise.all(this.shards.slice(1).map((shard) => shard.close()));
    await this.shards[0]!.close();
  }
}
