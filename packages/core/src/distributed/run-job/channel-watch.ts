import type { Redis } from 'ioredis';

/**
 * Longest wait of a follower between two looks at a run that sent nothing. Not a polling
 * interval (the run's messages wake followers): it bounds how late a follower notices a message
 * lost in a reconnect, or a run whose keys expired.
 */
export const LOOK_AGAIN_MS = 5_000;

/** One follower's view of a channel. */
export interface ChannelWatch {
  /** Resolves on the next message (or one that came since the last call), after `ms`, or when `signal` fires. */
  next(ms: number, signal: AbortSignal): Promise<void>;
  dispose(): void;
}

interface Follower {
  pending: boolean;
  wake?: () => void;
}

/**
 * Followers of run channels (`RunHandle.result()`, `events()`) on a client's one subscriber
 * connection: a channel is subscribed while someone follows it. A message is a hint to read the
 * stored state, never the state itself; messages lost while the subscriber reconnected are
 * covered by waking every follower when it is back.
 */
export class ChannelWatches {
  private readonly channels = new Map<string, { followers: Set<Follower>; subscribed: Promise<unknown> }>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string) => this.wakeAll(this.channels.get(channel)?.followers));
    subscriber.on('ready', () => {
      for (const { followers } of this.channels.values()) this.wakeAll(followers);
    });
  }

  /** Follows `channel`; resolves once subscribed, so a read after it misses nothing. */
  async watch(channel: string): Promise<ChannelWatch> {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { followers: new Set(), subscribed: this.subscriber.subscribe(channel) };
      this.channels.set(channel, entry);
    }
    const follower: Follower = { pending: false };
    entry.followers.add(follower);
    const dispose = () => {
      const current = this.channels.get(channel);
      if (!current?.followers.delete(follower) || current.followers.size > 0) return;
      this.channels.delete(channel);
      void this.subscriber.unsubscribe(channel).catch(() => undefined);
    };
    try {
      await entry.subscribed;
    } catch (err) {
      dispose();
      throw err;
    }
    return {
      next: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (follower.pending || signal.aborted) {
            follower.pending = false;
            return resolve();
          }
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            follower.wake = undefined;
            follower.pending = false;
            resolve();
          };
          const timer = setTimeout(done, Math.max(1, ms));
          signal.addEventListener('abort', done, { once: true });
          follower.wake = done;
        }),
      dispose,
    };
  }

  private wakeAll(followers: Set<Follower> | undefined): void {
    for (const f of followers ?? []) {
      if (f.wake) f.wake();
      else f.pending = true;
    }
  }

  get following(): number {
    return this.channels.size;
  }
}
