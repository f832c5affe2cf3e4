import { createHash } from 'node:crypto';
import { GraflowError } from '../errors/graflow-error';
import type { ResolvedRedisConfig } from '../options/redis-config';

export { MAX_SHARDS } from '../options/redis-config';

/** Redis Cluster's hash slots. */
const SLOTS = 16_384;

/** CRC16/XMODEM, the checksum Redis Cluster takes a key's slot from. */
function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The hash slot of every key that carries the hash tag `{tag}`. */
export function hashSlotOfTag(tag: string): number {
  return crc16(tag) % SLOTS;
}

/**
 * Shard i's hash tag: `<keyPrefix>-<i>-<salt>`, with the smallest salt that puts its slot in the
 * middle half of the i-th K-th of the slot space. Plain `<keyPrefix>-<i>` tags would leave the
 * masters' shares to chance (CRC16 of six tags easily puts four of them on one of three
 * masters); these follow the slot space, so masters that own equal contiguous slot ranges, as
 * `redis-cli --cluster create` and `rebalance` leave them, hold equal numbers of shards. The
 * middle half keeps that true when a boundary is a slot off.
 */
function shardTag(keyPrefix: string, index: number, shards: number): string {
  const width = SLOTS / shards;
  const low = index * width + width / 4;
  const high = index * width + (3 * width) / 4;
  for (let salt = 0; salt < 1_000_000; salt++) {
    const tag = `${keyPrefix}-${index}-${salt}`;
    const slot = hashSlotOfTag(tag);
    if (slot >= low && slot < high) return tag;
  }
  // CRC16 covers the slots evenly: a range of 32 slots or more is hit within a few thousand salts.
  throw new GraflowError('SHARD_TAG', `no hash tag found for shard ${index} of ${shards} under '${keyPrefix}'`);
}

/** Computed once per namespace: a worker or board asks for every job it touches. */
const computed = new Map<string, readonly string[]>();

/**
 * The shards of a namespace: with `shards: 1` the key prefix itself (today's layout, braces and
 * all); with K > 1 the hash-tagged prefixes `{<keyPrefix>-<i>-<salt>}`, i from 0 to K-1 (see
 * `shardTag`). Each is a whole namespace of its own (BullMQ prefix, run keys, graph store,
 * barriers, heartbeats) in one Redis Cluster slot, so a run and its flows never span slots while
 * different runs spread over the masters.
 */
export function shardPrefixes(config: Pick<ResolvedRedisConfig, 'keyPrefix' | 'shards'>): readonly string[] {
  if (config.shards === 1) return [config.keyPrefix];
  const id = `${config.shards}/${config.keyPrefix}`;
  let prefixes = computed.get(id);
  if (!prefixes) {
    prefixes = Object.freeze(Array.from({ length: config.shards }, (_, i) => `{${shardTag(config.keyPrefix, i, config.shards)}}`));
    // A process knows a handful of namespaces; the bound only guards against misuse.
    if (computed.size >= 64) computed.clear();
    computed.set(id, prefixes);
  }
  return prefixes;
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
