/**
 * The processes the distributed examples start: a local `redis-server` (unless `REDIS_URL` is
 * set), `graflow-worker` CLIs and producer scripts, each in its own process group, stopped by PID
 * on success, failure and Ctrl-C alike. Progress goes to stderr; stdout is the example's result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startLocalRedis } from './local-redis';

// Longer than a worker's graceful shutdown timeout (30 s), which an idle worker does not need.
const STOP_TIMEOUT_MS = 35_000;
const START_TIMEOUT_MS = 30_000;

export interface Started {
  name: string;
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

export const progress = (line: string): void => void process.stderr.write(`${line}\n`);

export class LocalFleet {
  private readonly started: Started[] = [];

  /** A Node script in its own process group: a Ctrl-C reaches the example only, which stops each child once. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv): Started {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const proc: Started = { name, child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (proc.output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (proc.output += d));
    this.started.push(proc);
    progress(`${name}: pid ${child.pid}`);
    return proc;
  }

  /** `REDIS_URL`, or a `redis-server` started on a free loopback port. */
  async redisUrl(): Promise<string> {
    if (process.env.REDIS_URL) {
      progress(`redis: ${process.env.REDIS_URL} (REDIS_URL)`);
      return process.env.REDIS_URL;
    }
    const redis = await startLocalRedis();
    this.started.push({ name: 'redis-server', child: redis.process, output: '', exited: new Promise((r) => redis.process.once('exit', r)) });
    progress(`redis-server: pid ${redis.process.pid}, ${redis.url}`);
    return redis.url;
  }

  /** The built `graflow-worker` CLI for each id, loading `tasks`; resolves once every one runs. */
  async startWorkers(ids: string[], tasks: string, env: NodeJS.ProcessEnv): Promise<Started[]> {
    const workers = ids.map((id) => this.start(id, [workerBin(), '--worker-id', id, '--tasks', tasks, '--concurrency', '1', '--metrics-host', '127.0.0.1'], env));
    for (const worker of workers) {
      await waitFor(worker, 'running', () => jsonLines(worker).find((l) => l.msg === 'graflow-worker running'), START_TIMEOUT_MS);
    }
    return workers;
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.started.map((p) => [p.name, p.child.pid]));
  }

  /** SIGTERM to every process still running, newest first; SIGKILL past the deadline. */
  async stopAll(): Promise<void> {
    for (const proc of [...this.started].reverse()) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) continue;
      proc.child.kill('SIGTERM');
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await proc.exited;
      clearTimeout(timer);
      progress(`${proc.name}: stopped`);
    }
  }

  /** Runs the example, then stops what it started; Ctrl-C and SIGTERM stop it too. */
  run(label: string, main: () => Promise<void>): void {
    let stopping: Promise<void> | undefined;
    const finish = (exitCode: number) => {
      stopping ??= this.stopAll().then(() => {
        process.exitCode = exitCode;
      });
      return stopping;
    };
    process.once('SIGINT', () => void finish(130));
    process.once('SIGTERM', () => void finish(143));
    main().then(
      () => finish(0),
      async (err: unknown) => {
        console.error(`${label} failed: ${err instanceof Error ? err.message : String(err)}`);
        await finish(1);
      },
    );
  }
}

/** The JSON lines a process printed (its log, or its result). */
export function jsonLines(proc: Started): Record<string, unknown>[] {
  return proc.output.split('\n').filter((line) => line.startsWith('{')).flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** What a process said last: the `msg` of a JSON log line, or the line itself. */
function lastLine(proc: Started): string {
  const line = proc.output.trim().split('\n').at(-1) ?? '';
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg ?? line);
  } catch {
    return line;
  }
}

/** Polls `check` every 50 ms until it returns a value, the process exits, or the deadline passes. */
export async function waitFor<T>(proc: Started, what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode} before ${what}: ${lastLine(proc)}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not report ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for a process to exit 0 and returns its JSON lines; fails with its last line otherwise. */
export async function finished(proc: Started): Promise<Record<string, unknown>[]> {
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${proc.name} exited ${code}: ${lastLine(proc)}`);
  return jsonLines(proc);
}

function workerBin(): string {
  const manifest = require.resolve('@graflow/worker/package.json');
  return join(dirname(manifest), (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }).bin['graflow-worker']);
}
