/**
 * Which BullMQ queues live under a key prefix. BullMQ writes `<prefix>:<queue>:meta` for every
 * queue that ever had a job or a worker, so a SCAN for that pattern finds the default `tasks`
 * queue and every pool (`gpu`, ...) without a list to maintain.
 */
import { DEFAULT_QUEUE } from '@graflow/core/redis';
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

/**
 * The queues under `prefix`, sorted, `tasks` always included (it is where every group is
 * finalized, so a namespace without it is simply empty so far).
 */
export async function discoverQueues(redis: Redis, prefix: string): Promise<string[]> {
  const found = new Set<string>([DEFAULT_QUEUE]);
  const match = `${escapeGlob(prefix)}:*:meta`;
  for (const node of scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const queue = queueOfMetaKey(prefix, key);
        if (queue) found.add(queue);
      }
    } while (cursor !== '0');
  }
  return [...found].sort((a, b) => (a === DEFAULT_QUEUE ? -1 : b === DEFAULT_QUEUE ? 1 : a.localeCompare(b)));
}
