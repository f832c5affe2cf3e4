import { randomBytes } from 'node:crypto';
import { shardIndexOfRun, shardPrefixes } from '@graflow/core/redis';
import type { Cluster } from 'ioredis';

/** Which master (by port) serves each hash slot, from CLUSTER SLOTS. */
export async function slotOwners(admin: Cluster): Promise<(slot: number) => number> {
  const ranges = await admin.cluster('SLOTS');
  return (slot) => {
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    if (!range?.[2]) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  };
}

/** The hash slot (from CLUSTER KEYSLOT) and the master (port) of each shard of a namespace. */
export async function shardPlacement(admin: Cluster, keyPrefix: string, shards: number): Promise<{ slots: number[]; masterOf: number[] }> {
  const owner = await slotOwners(admin);
  const slots = await Promise.all(shardPrefixes({ keyPrefix, shards }).map(async (prefix) => Number(await admin.cluster('KEYSLOT', `${prefix}:run:x:meta`))));
  return { slots, masterOf: slots.map(owner) };
}

/** A key prefix no other test uses, without the ':' and braces a sharded prefix may not carry. */
export function freshPrefix(label: string): string {
  return `gft-${label}-${randomBytes(4).toString('hex')}`;
}

/** Run ids `<label>-0` … with at least one in every shard (fixed ids: nothing rests on chance). */
export function runIdsOverEveryShard(label: string, shards: number, perShard = 1): string[] {
  const ids: string[] = [];
  const counts = new Array<number>(shards).fill(0);
  for (let i = 0; counts.some((n) => n < perShard); i++) {
    const id = `${label}-${i}`;
    const shard = shardIndexOfRun(id, shards);
    if (counts[shard]! < perShard) {
      counts[shard]!++;
      ids.push(id);
    }
  }
  return ids;
}
