import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { MemoryReport, WorkerMode } from './worker-process';

const WORKER_SCRIPT = join(__dirname, 'worker-process.js');
const READY_TIMEOUT_MS = 20_000;

/** Worker child processes of one mode on one key prefix; stop only what it started. */
export interface Fleet {
  readonly mode: WorkerMode;
  readonly prefix: string;
  readonly pids: number[];
  /** Memory of each process (optionally after a full GC). */
  memory(options?: { gc?: boolean }): Promise<MemoryReport[]>;
  stop(): Promise<void>;
}

function once<T>(child: ChildProcess, match: (msg: unknown) => T | undefined, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`worker ${child.pid}: no ${what} within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const onMessage = (msg: unknown) => {
      const value = match(msg);
      if (value !== undefined) done(undefined, value);
    };
    const onExit = (code: number | null) => done(new Error(`worker ${child.pid} exited (${code}) before ${what}`));
    const done = (err?: Error, value?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Forks `processes` workers (`concurrency` jobs each) and waits until every one is ready. */
export async function startFleet(
  mode: WorkerMode,
  redis: { host: string; port: number },
  prefix: string,
  sizes: { processes: number; concurrency: number },
): Promise<Fleet> {
  if (redis.host !== '127.0.0.1') throw new Error(`bench workers connect to 127.0.0.1 only, got ${redis.host}`);
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < sizes.processes; i++) {
      const child = fork(WORKER_SCRIPT, [mode, String(redis.port), prefix, String(sizes.concurrency)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
    }
    await Promise.all(children.map((c) => once(c, (m) => ((m as { type?: string })?.type === 'ready' ? true : undefined), 'ready message')));
  } catch (err) {
    await Promise.all(children.map(stopChild));
    throw err;
  }
  return {
    mode,
    prefix,
    pids: children.map((c) => c.pid!),
    memory: (options = {}) =>
      Promise.all(
        children.map((child) => {
          const reply = once(child, (m) => ((m as { type?: string })?.type === 'memory' ? (m as MemoryReport) : undefined), 'memory report');
          child.send({ type: 'memory', gc: options.gc === true });
          return reply;
        }),
      ),
    stop: async () => {
      await Promise.all(children.map(stopChild));
    },
  };
}
