import type { Redis } from 'ioredis';
import { sharedController } from '../../util/signals';

/**
 * Watches a client's connections and turns a long outage into an abort: when any of them has not
 * been ready for `timeoutMs`, the current signal aborts with `onExpire()`'s error, so every run
 * waiting on Redis stops waiting (instead of waiting forever) and later runs fail at once until
 * Redis is back. Shorter outages are ridden through: ioredis reconnects and resends.
 */
export class ConnectionHealth {
  private controller = sharedController();
  private downSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private expiredWith: Error | undefined;
  private readonly detach: Array<() => void> = [];

  constructor(
    private readonly connections: readonly Redis[],
    private readonly timeoutMs: number,
    private readonly onExpire: (timeoutMs: number) => Error,
  ) {
    for (const c of connections) {
      const down = () => this.markDown();
      const up = () => this.markUpIfAllReady();
      for (const event of ['close', 'reconnecting', 'end']) c.on(event, down);
      c.on('ready', up);
      this.detach.push(() => {
        for (const event of ['close', 'reconnecting', 'end']) c.off(event, down);
        c.off('ready', up);
      });
    }
  }


  /** Aborted when Redis stays unreachable too long; already aborted while that lasts. */
  get signal(): AbortSignal {
    return this.expiredWith ? AbortSignal.abort(this.expiredWith) : this.controller.signal;
  }

  /** Since when Redis has been unreachable, if it is now. */
  get unavailableSince(): number | undefined {
    return this.downSince;
  }

  private markDown(): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.timer = setTimeout(() => this.expire(), this.timeoutMs);
    this.timer.unref();
  }

  private markUpIfAllReady(): void {
    if (!this.connections.every((c) => c.status === 'ready')) return;
    this.downSince = undefined;
    this.expiredWith = undefined;
    clearTimeout(this.timer);
  }

  private expire(): void {
    const error = this.onExpire(this.timeoutMs);
    this.expiredWith = error;
    const expired = this.controller;
    this.controller = sharedController();
    expired.abort(error);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const off of this.detach) off();
  }
}
