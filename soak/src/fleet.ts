import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitFor } from '@graflow/testing';

/** The real `graflow-worker` CLI, as installed in the workspace. */
const WORKER_MAIN = join(dirname(require.resolve('@graflow/worker/package.json')), 'dist', 'main.js');

/** The built task module; `../dist` also resolves from `src/` when the short test runs the sources. */
export const TASKS_MODULE = join(__dirname, '..', 'dist', 'tasks.js');

/**
 * BullMQ re-runs a dead worker's jobs once their lock lapses and a stalled check sees it. The
 * defaults (30 s each) would put up to a minute between a SIGKILL and the re-run, as long as the
 * whole per-run deadline, in a soak that kills every few seconds; these keep it under ~8 s.
 */
const LOCK_DURATION_MS = 5_000;
const STALLED_INTERVAL_MS = 2_500;

/**
 * Variables the worker reads as defaults for its flags: the soak's workers run the defaults a
 * user runs, whatever this shell exports (only Redis and the prefix come from the soak).
 */
const WORKER_VARIABLES = ['WORKER_ID', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_URL', 'REDIS_PASSWORD', 'REDIS_KEY_PREFIX', 'MAX_CONCURRENT_TASKS', 'GRAFLOW_TASKS', 'GRAFLOW_QUEUES', 'GRACEFUL_SHUTDOWN_TIMEOUT', 'METRICS_PORT'];

export interface WorkerHandle {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Set when the soak stops or kills it; an exit without it is the worker's own doing. */
  expectedExit: boolean;
}

export interface FleetSpec {
  redisPort: number;
  keyPrefix: string;
  logDir: string;
}

/** The soak's worker processes: it starts them, kills them, and stops only those, by PID. */
export class WorkerFleet {
  private readonly live = new Map<number, WorkerHandle>();
  private readonly all: WorkerHandle[] = [];
  private readonly logs: WriteStream[] = [];
  private started = 0;
  /** Workers that exited without being stopped or killed (a worker bug, reported as evidence). */
  readonly unexpectedExits: string[] = [];

  constructor(private readonly spec: FleetSpec) {}

  get size(): number {
    return this.live.size;
  }

  get pids(): number[] {
    return [...this.live.keys()];
  }

  /** Starts one worker and resolves once it logs that it started (or rejects with its output). */
  async start(): Promise<WorkerHandle> {
    const name = `w${++this.started}`;
    const logPath = join(this.spec.logDir, `worker-${name}.log`);
    const log = createWriteStream(logPath);
    this.logs.push(log);
    const env = { ...process.env };
    for (const v of WORKER_VARIABLES) delete env[v];
    const args = [
      WORKER_MAIN,
      '--redis-host', '127.0.0.1',
      '--redis-port', String(this.spec.redisPort),
      '--redis-key-prefix', this.spec.keyPrefix,
      '--tasks', TASKS_MODULE,
      '--lock-duration', String(LOCK_DURATION_MS),
      '--stalled-interval', String(STALLED_INTERVAL_MS),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let head = '';
    const keep = (d: Buffer) => {
      log.write(d);
      if (head.length < 20_000) head += d.toString();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
      this.live.delete(handle.pid);
      if (!handle.expectedExit) this.unexpectedExits.push(`worker ${name} (pid ${handle.pid}) exited on its own (${code ?? signal}); log ${logPath}`);
      resolve();
    }));
    const handle: WorkerHandle = { name, pid: child.pid!, logPath, child, exited, expectedExit: false };
    this.all.push(handle);
    this.live.set(handle.pid, handle);
    try {
      await waitFor(() => head.includes('worker started') || child.exitCode !== null || child.signalCode !== null, { timeoutMs: 30_000, what: `worker ${name} (pid ${handle.pid}) to start` });
    } catch (err) {
      await this.stopOne(handle, 'SIGKILL');
      throw err;
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`worker ${name} (pid ${handle.pid}) exited at start (${child.exitCode ?? child.signalCode}): ${head.trim().split('\n').slice(-3).join(' | ')}`);
    }
    return handle;
  }

  /** SIGKILLs one live worker, chosen with `random`, and waits until it is gone. */
  async killOne(random: () => number): Promise<WorkerHandle | undefined> {
    const live = [...this.live.values()];
    if (!live.length) return undefined;
    const victim = live[Math.floor(random() * live.length)]!;
    await this.stopOne(victim, 'SIGKILL');
    return victim;
  }

  private async stopOne(handle: WorkerHandle, signal: NodeJS.Signals): Promise<void> {
    const { child } = handle;
    handle.expectedExit = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await handle.exited;
  }

  /** Stops every worker this fleet started: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const live = [...this.live.values()];
    await Promise.all(live.map(async (h) => {
      h.expectedExit = true;
      const timer = setTimeout(() => h.child.kill('SIGKILL'), graceMs);
      await this.stopOne(h, 'SIGTERM');
      clearTimeout(timer);
    }));
    await Promise.all(this.logs.map((log) => new Promise<void>((resolve) => log.end(() => resolve()))));
  }

  /** The last `max` log lines (of every worker this fleet started) that mention `needle`. */
  linesMentioning(needle: string, max = 12): string[] {
    const lines: Array<{ line: string; from: string }> = [];
    for (const h of this.all) {
      let text = '';
      try {
        text = readFileSync(h.logPath, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) if (line.includes(needle)) lines.push({ line, from: `${h.name} pid ${h.pid}` });
    }
    // JSON log lines open with their timestamp ({"ts":"...), so text order is time order.
    lines.sort((a, b) => a.line.localeCompare(b.line));
    return lines.slice(-max).map(({ line, from }) => `[${from}] ${line}`);
  }
}
