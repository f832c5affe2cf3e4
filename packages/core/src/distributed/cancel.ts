import type { Redis } from 'ioredis';
import { GraflowError, WorkflowCancelledError } from '../errors';
import type { GroupInstance } from './group-instance';
import { branchQueueOf } from './group-instance';
import { branchJobId, cancelChannel, cancelKey, runCancelKey } from './keys';
import type { RedisRuntime } from './redis-runtime';

/** Why a running branch's signal fired: its group (or an enclosing one) was decided. */
export class GroupCancelledError extends GraflowError {
  static override readonly errorName: string = 'GroupCancelledError';

  constructor(readonly cancelKey: string) {
    super('GROUP_CANCELLED', 'the parallel group was decided before this branch finished; branch cancelled');
  }
}

/**
 * Running branches by cancel key (run id and group key). A cancel message aborts every branch
 * registered under that key, including branches of nested groups, which register under every
 * enclosing group's key too. Keys carry the run id, so a decision in one run never reaches
 * another run of the same workflow.
 */
export class CancelRegistry {
  private readonly byKey = new Map<string, Set<AbortController>>();

  add(keys: readonly string[], controller: AbortController): () => void {
    for (const key of keys) {
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      set.add(controller);
    }
    return () => {
      for (const key of keys) {
        const set = this.byKey.get(key);
        set?.delete(controller);
        if (set?.size === 0) this.byKey.delete(key);
      }
    };
  }

  /** Aborts what is registered under `key`; a run-wide key (see `runCancelKey`) cancels the run. */
  cancel(key: string, reason?: string): number {
    const set = this.byKey.get(key);
    if (!set) return 0;
    const why = key.endsWith('/*') ? new WorkflowCancelledError(reason) : new GroupCancelledError(key);
    for (const c of set) c.abort(why);
    return set.size;
  }

  /**
   * Subscribes `subscriber` (a dedicated connection) to the cancel channel of every prefix given
   * (a sharded namespace has one per shard), with one message listener for all of them.
   */
  async listen(subscriber: Redis, prefixes: string | readonly string[]): Promise<void> {
    const channels = new Set((typeof prefixes === 'string' ? [prefixes] : prefixes).map(cancelChannel));
    subscriber.on('message', (channel: string, message: string) => {
      if (!channels.has(channel)) return;
      // "<cancel key>" or, for a run-wide cancel, "<cancel key>\n<reason>".
      const newline = message.indexOf('\n');
      if (newline < 0) this.cancel(message);
      else this.cancel(message.slice(0, newline), message.slice(newline + 1));
    });
    await subscriber.subscribe(...channels);
  }
}

/** Tells every job of a run, on every worker of the namespace, that the run was cancelled. */
export async function publishRunCancel(redis: Redis, prefix: string, runId: string, reason?: string): Promise<void> {
  await redis.publish(cancelChannel(prefix), reason === undefined ? runCancelKey(runId) : `${runCancelKey(runId)}\n${reason}`);
}

/**
 * After a failure decision: tell running branches (pub/sub, fires their signals) and remove the
 * branches still waiting, so nothing is left to run and the parent job is never stuck.
 */
export async function cancelGroup(runtime: RedisRuntime, instance: GroupInstance): Promise<void> {
  await runtime.redis.publish(cancelChannel(runtime.prefix), cancelKey(instance.runId, instance.groupKey));
  const recorded = await instance.barrier.outcomes();
  const removals: Promise<unknown>[] = [];
  for (let i = 0; i < instance.group.members.length; i++) {
    if (recorded.has(i)) continue;
    removals.push(runtime.queueFor(branchQueueOf(instance, i)).remove(branchJobId(instance.runId, instance.run.epoch, instance.groupKey, i)).catch(() => 0));
  }
  await Promise.all(removals);
}
