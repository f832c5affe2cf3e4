import type { Redis } from 'ioredis';

/** One waiting group's view of the dispatcher. */
export interface WakeWait {
  /**
   * Resolves when the group was woken (true: a decision was published, or a reconnect may have
   * lost one), or with false after `ms` or when `signal` fires.
   */
  next(ms: number, signal: AbortSignal): Promise<boolean>;
  dispose(): void;
}

/**
 * Every wake-up of a producer client arrives on one pub/sub channel, on one subscriber
 * connection, whatever the number of groups it waits on. The barrier publishes
 * `<runId>/<groupKey>\n<decision>` when it decides; the dispatcher wakes that group's waiter, which
 * then reads the barrier (a message is a hint, the barrier is the truth). Messages published while
 * the subscriber was reconnecting are lost, so a reconnect wakes every waiter to look again.
 */
export class WakeDispatcher {
  private readonly waits = new Map<string, { pending: boolean; wake?: () => void }>();
  private connectedOnce = false;

  constructor(
    private readonly subscriber: Redis,
    readonly channel: string,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const newline = message.indexOf('\n');
      this.wake(newline < 0 ? message : message.slice(0, newline));
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
    const entry: { pending: boolean; wake?: () => void } = { pending: false };
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
      dispose: () => {
        if (this.waits.get(key) === entry) this.waits.delete(key);
      },
    };
  }

  private wake(key: string): void {
    const entry = this.waits.get(key);
    if (!entry) return;
    if (entry.wake) entry.wake();
    else entry.pending = true;
  }

  get waiting(): number {
    return this.waits.size;
  }
}
