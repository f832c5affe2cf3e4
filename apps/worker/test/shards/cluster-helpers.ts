import { randomBytes } from 'node:crypto';
import { shardIndexOfRun, shardPrefixes } from '@graflow/core/redis';
import type { Cluster } from 'ioredis';

/** Which master (by port) serves each hash slot, from CLUSTER SLOTS. */
export async function slotOwners(admin: Cluster): Promise<(slot: number) => number> {
  const ranges = (await admin.cluster('SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
  return (slot) => {
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    if (!range) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  };
}

/** The master (port) that holds each shard of a namespace, from CLUSTER KEYSLOT. */
export async function shardMasters(admin: Cluster, keyPrefix: string, shards: number): Promise<number[]> {
  const owner = await slotOwners(admin);
  const prefixes = shardPrefixes({ keyPrefix, shards });
  return await Promise.all(prefixes.map(async (prefix) => owner(Number(await admin.cluster('KEYSLOT', `${prefix}:run:x:meta`)))));
}

/**
 * A fresh key prefix whose shards sit on every master. Shard slots follow from the prefix's
 * CRC16, so a few shards can miss a master by chance (docs/scaling.md: choose K well above the
 * master count); the test picks a prefix that covers them all, then checks the runs do too.
 */
export async function prefixOverEveryMaster(admin: Cluster, label: string, shards: number, masters: number): Promise<{ keyPrefix: string; masterOf: number[] }> {
  for (let tries = 0; tries < 50; tries++) {
    const keyPrefix = `gft-${label}-${randomBytes(4).toString('hex')}`;
    const masterOf = await shardMasters(admin, keyPrefix, shards);
    if (new Set(masterOf).size === masters) return { keyPrefix, masterOf };
  }
  throw new Error(`no prefix in 50 tries puts ${shards} shards on all ${masters} masters`);
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
