/**
 * Which BullMQ queues live under a key prefix. BullMQ writes `<prefix>:<queue>:meta` for every
 * queue that ever had a job or a worker, so a SCAN for that pattern finds the default `tasks`
 * queue and every pool (`gpu`, ...) without a list to maintain.
 */
import { DEFAULT_QUEUE, shardPrefixes } from '@graflow/core/redis';
import type { Redis } from 'ioredis';

/** A name BullMQ and Graflow accept (core's `assertQueueName`); anything else is not a queue. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Escapes Redis glob characters, so a prefix such as `{app}[1]` matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]^]/g, (c) => `\\${c}`);
}

/** The queue named by `key`, or undefined when `key` is not `<prefix>:<queue>:meta`. */
export function queueOfMetaKey(prefix: string, key: string): string | undefined {
  const head = `${prefix}:`;
  if (!key.startsWith(head) || !key.endsWith(':meta')) return undefined;
  const name = key.slice(head.length, -':meta'.length);
  // Run keys (`<prefix>:run:<id>:group:<key>:meta`) hold colons; queue names never do.
  return QUEUE_NAME.test(name) ? name : undefined;
}

/** The nodes to SCAN: every master of a Cluster, or the one server. */
function scanTargets(redis: Redis): Redis[] {
  const cluster = redis as unknown as { isCluster?: boolean; nodes?: (role: 'master') => Redis[] };
  return cluster.isCluster && cluster.nodes ? cluster.nodes('master') : [redis];
}

/** Every key matching `match` on every node to scan. */
async function scanKeys(redis: Redis, match: string, onKey: (key: string) => void): Promise<void> {
  for (const node of scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      keys.forEach(onKey);
    } while (cursor !== '0');
  }
}

function sorted(found: Set<string>): string[] {
  return [...found].sort((a, b) => (a === DEFAULT_QUEUE ? -1 : b === DEFAULT_QUEUE ? 1 : a.localeCompare(b)));
}

/**
 * The queues under `prefix`, sorted, `tasks` always included (it is where every group is
 * finalized, so a namespace without it is simply empty so far).
 */
export async function discoverQueues(redis: Redis, prefix: string): Promise<string[]> {
  const found = new Set<string>([DEFAULT_QUEUE]);
  await scanKeys(redis, `${escapeGlob(prefix)}:*:meta`, (key) => {
    const queue = queueOfMetaKey(prefix, key);
    if (queue) found.add(queue);
  });
  return sorted(found);
}

/**
 * The queues of every shard of a namespace, by shard prefix in shard order, each as
 * `discoverQueues` gives them. One SCAN per node covers all the shards (`{<prefix>-*}:*:meta`),
 * so a refresh costs the same whatever the shard count.
 */
export async function discoverShardQueues(redis: Redis, namespace: { keyPrefix: string; shards: number }): Promise<Map<string, string[]>> {
  const prefixes = shardPrefixes(namespace);
  if (prefixes.length === 1) return new Map([[prefixes[0]!, await discoverQueues(redis, prefixes[0]!)]]);
  const found = new Map(prefixes.map((prefix) => [prefix, new Set<string>([DEFAULT_QUEUE])]));
  await scanKeys(redis, `{${escapeGlob(namespace.keyPrefix)}-*}:*:meta`, (key) => {
    // The pattern also matches namespaces whose prefix extends this one's: only our shards count.
    const prefix = key.slice(0, key.indexOf('}') + 1);
    const queues = found.get(prefix);
    const queue = queues ? queueOfMetaKey(prefix, key) : undefined;
    if (queue) queues!.add(queue);
  });
  return new Map([...found].map(([prefix, queues]) => [prefix, sorted(queues)]));
}
