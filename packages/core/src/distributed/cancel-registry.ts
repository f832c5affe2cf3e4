import type { Redis } from 'ioredis';
import { cancelChannel } from './keys';

/** Why a running branch's signal fired: its group (or an enclosing one) was decided. */
export class GroupCancelledError extends Error {
  constructor(readonly groupKey: string) {
    super(`the parallel group was decided before this branch finished; branch cancelled`);
    this.name = 'GroupCancelledError';
  }
}

/**
 * Running branches by group key. A cancel message for a group aborts every branch registered
 * under it, including branches of nested groups (they register under every enclosing key).
 */
export class CancelRegistry {
  private readonly byKey = new Map<string, Set<AbortController>>();

  add(keys: string[], controller: AbortController): () => void {
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

  cancel(groupKey: string): number {
    const set = this.byKey.get(groupKey);
    if (!set) return 0;
    for (const c of set) c.abort(new GroupCancelledError(groupKey));
    return set.size;
  }

  /** Subscribes `subscriber` (a dedicated connection) to the namespace's cancel channel. */
  async listen(subscriber: Redis, prefix: string): Promise<void> {
    subscriber.on('message', (channel: string, groupKey: string) => {
      if (channel === cancelChannel(prefix)) this.cancel(groupKey);
    });
    await subscriber.subscribe(cancelChannel(prefix));
  }
}
