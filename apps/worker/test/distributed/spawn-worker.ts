import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@graflow/testing';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the real `graflow-worker` CLI and resolves once it logs that it started. */
export async function spawnWorker(args: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [MAIN, '--metrics-port', '0', '--log-level', 'info', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => out.includes('worker started') || child.exitCode !== null, { timeoutMs: 20_000, what: 'graflow-worker to start' });
  if (child.exitCode !== null) throw new Error(`graflow-worker exited at start (${child.exitCode}): ${out}`);
  return {
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
