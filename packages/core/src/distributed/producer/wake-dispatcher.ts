import type { Redis } from 'ioredis';

/** One waiting group's view of the dispatcher. */
export interface WakeWait {
  /**
   * Resolves when the group was woken (true: a decision was published, or a reconnect may have
   * lost one), or with false after `ms` or when `signal` fires.
   */
  next(ms: number, signal: AbortSignal): Promise<boolean>;
  /**
   * What the wake-up that ended the last `next()` carried besides the group's key: the bytes
   * after `<key>\n<decision>\n` (a deciding record's snapshot), once; undefined otherwise.
   */
  takeSnapshot(): Buffer | undefined;
  dispose(): void;
}

interface Entry {
  pending: boolean;
  snapshot?: Buffer;
  wake?: () => void;
}

const NEWLINE = 0x0a;

/**
 * Every wake-up of a producer client arrives on one pub/sub channel, on one subscriber
 * connection, whatever the number of groups it waits on. The barrier publishes
 * `<runId>/<groupKey>\n<decision>` when it decides, and a small group's deciding record adds
 * `\n` and a snapshot of what the waiter would read next; the dispatcher wakes that group's
 * waiter, which then uses the snapshot or reads the barrier (a message is a hint, the barrier is
 * the truth). Messages published while the subscriber was reconnecting are lost, so a reconnect
 * wakes every waiter to look again.
 */
export class WakeDispatcher {
  private readonly waits = new Map<string, Entry>();
  private connectedOnce = false;

  constructor(
    private readonly subscriber: Redis,
    readonly channel: string,
  ) {}

  async start(): Promise<void> {
    // Buffers: a snapshot holds binary outcomes, which a string would corrupt.
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (channel.toString() !== this.channel) return;
      const end = message.indexOf(NEWLINE);
      if (end < 0) return this.wake(message.toString());
      const second = message.indexOf(NEWLINE, end + 1);
      this.wake(message.toString('utf8', 0, end), second < 0 ? undefined : message.subarray(second + 1));
    });
    this.subscriber.on('ready', () => {
      if (this.connectedOnce) for (const key of this.waits.keys()) this.wake(key);
      this.connectedOnce = true;
    });
    await this.subscriber.subscribe(this.channel);
    this.connectedOnce = true;
  }

  /** Starts listening for `key` (`<runId>/<groupKey>`); register before the first barrier read. */
  register(key: string): WakeWait {
    const entry: Entry = { pending: false };
    this.waits.set(key, entry);
    return {
      next: (ms, signal) =>
        new Promise<boolean>((resolve) => {
          if (entry.pending) {
            entry.pending = false;
            return resolve(true);
          }
          if (signal.aborted) return resolve(false);
          const done = (woken: boolean) => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            entry.wake = undefined;
            entry.pending = false;
            resolve(woken);
          };
          const onAbort = () => done(false);
          const timer = setTimeout(() => done(false), Math.max(1, ms));
          signal.addEventListener('abort', onAbort, { once: true });
          entry.wake = () => done(true);
        }),
      takeSnapshot: () => {
        const { snapshot } = entry;
        entry.snapshot = undefined;
        return snapshot;
      },
      dispose: () => {
        if (this.waits.get(key) === entry) this.waits.delete(key);
      },
    };
  }

  private wake(key: string, snapshot?: Buffer): void {
    const entry = this.waits.get(key);
    if (!entry) return;
    // A later wake-up without one (a reconnect) must not leave an older snapshot to be used.
    entry.snapshot = snapshot;
    if (entry.wake) entry.wake();
    else entry.pending = true;
  }

  get waiting(): number {
    return this.waits.size;
  }
}
