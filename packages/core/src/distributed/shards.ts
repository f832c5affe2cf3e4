import { createHash } from 'node:crypto';
import type { ResolvedRedisConfig } from '../options/run-options';

export { MAX_SHARDS } from '../options/run-options';

/**
 * The shards of a namespace: with `shards: 1` the key prefix itself (today's layout, braces and
 * all); with K > 1 the hash-tagged prefixes `{<keyPrefix>-0}` … `{<keyPrefix>-<K-1>}`. Each is a
 * whole namespace of its own (BullMQ prefix, run keys, graph store, barriers, heartbeats), held
 * in one Redis Cluster slot by its tag, so a run and its flows never span slots while different
 * runs spread over the masters.
 */
export function shardPrefixes(config: Pick<ResolvedRedisConfig, 'keyPrefix' | 'shards'>): string[] {
  if (config.shards === 1) return [config.keyPrefix];
  return Array.from({ length: config.shards }, (_, i) => `{${config.keyPrefix}-${i}}`);
}

/**
 * The shard a run lives in: the first four bytes of SHA-256(runId), read as an unsigned
 * big-endian integer, modulo the shard count. Any process that knows the run id and the shard
 * count finds the run without a lookup; changing the count moves where run ids land, so change
 * it only with the namespace drained (see docs/scaling.md).
 */
export function shardIndexOfRun(runId: string, shards: number): number {
  if (shards === 1) return 0;
  return createHash('sha256').update(runId).digest().readUInt32BE(0) % shards;
}

/** The key prefix (and BullMQ prefix) of the shard that holds `runId`. */
export function runPrefixOf(config: Pick<ResolvedRedisConfig, 'keyPrefix' | 'shards'>, runId: string): string {
  return shardPrefixes(config)[shardIndexOfRun(runId, config.shards)]!;
}

/** One resolved config per shard: the same connection settings, the shard's prefix, unsharded. */
export function shardConfigs(config: ResolvedRedisConfig): ResolvedRedisConfig[] {
  return shardPrefixes(config).map((keyPrefix) => ({ ...config, keyPrefix, shards: 1 }));
}
