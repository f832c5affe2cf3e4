import type { RedisServerHandle } from '@graflow/testing';
import type { WorkerFleet } from './fleet';

/** A timer the soak can cut short when it stops. The chaos schedule is made of these on purpose. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface ChaosOptions {
  workers: number;
  killIntervalMs: number;
  maxKills: number;
  redisDownMs: number;
}

/**
 * The faults: SIGKILL a random worker every few seconds and start a replacement, and restart
 * Redis once. Actions run one at a time, so a replacement never starts while Redis is down.
 */
export class Chaos {
  kills = 0;
  redisRestarts = 0;
  private readonly stopping = new AbortController();
  private queue: Promise<void> = Promise.resolve();
  private loop?: Promise<void>;

  constructor(
    private readonly fleet: WorkerFleet,
    private readonly redis: RedisServerHandle,
    private readonly options: ChaosOptions,
    private readonly random: () => number,
    private readonly say: (line: string) => void,
  ) {}

  /** Starts the kill loop in the background (no-op when kills are disabled). */
  startKilling(): void {
    if (this.options.killIntervalMs === 0 || this.options.maxKills === 0) return;
    this.loop = (async () => {
      const signal = this.stopping.signal;
      while (!signal.aborted && this.kills < this.options.maxKills) {
        await pause(this.options.killIntervalMs * (0.5 + this.random()), signal);
        if (signal.aborted) break;
        await this.serially(() => this.killAndReplace());
      }
    })();
  }

  /** Restarts Redis: SIGKILL, down for `redisDownMs`, then the same port and directory (AOF replays). */
  restartRedis(): Promise<void> {
    return this.serially(async () => {
      const started = Date.now();
      await this.redis.kill();
      await pause(this.options.redisDownMs, this.stopping.signal);
      await this.redis.restart();
      this.redisRestarts++;
      this.say(`redis restarted (SIGKILL, back on port ${this.redis.port} after ${Date.now() - started} ms)`);
      await this.topUp();
    });
  }

  /** Stops the kill loop and waits for the action in progress. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.queue;
  }

  private serially(action: () => Promise<void>): Promise<void> {
    const run = this.queue.then(action).catch((err: unknown) => this.say(`chaos action failed: ${err instanceof Error ? err.message : String(err)}`));
    this.queue = run;
    return run;
  }

  private async killAndReplace(): Promise<void> {
    const victim = await this.fleet.killOne(this.random);
    if (!victim) return;
    this.kills++;
    const replacement = await this.fleet.start();
    this.say(`SIGKILLed worker ${victim.name} (pid ${victim.pid}); started ${replacement.name} (pid ${replacement.pid})`);
    await this.topUp();
  }

  /** Replaces workers that exited on their own, so the fleet keeps its size. */
  private async topUp(): Promise<void> {
    while (!this.stopping.signal.aborted && this.fleet.size < this.options.workers) {
      const worker = await this.fleet.start();
      this.say(`started ${worker.name} (pid ${worker.pid}) to keep ${this.options.workers} workers`);
    }
  }
}
