/**
 * The ETL example on a local worker fleet:
 *
 *   npm run example:distributed
 *
 * Starts a `redis-server` on a free loopback port (or uses `REDIS_URL` when it is set), two
 * workers (the built `graflow-worker` CLI loading `etl-tasks.js`) and the producer
 * (`etl-producer.js`), all on one fresh key prefix. Prints the result and which worker ran each
 * branch as JSON on stdout (progress goes to stderr), then stops every process it started, by
 * PID, on success and on failure alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startLocalRedis } from './local-redis';

const WORKER_IDS = ['worker-1', 'worker-2'];
// Longer than a worker's graceful shutdown timeout (30 s), which an idle worker does not need.
const STOP_TIMEOUT_MS = 35_000;
const START_TIMEOUT_MS = 30_000;

interface Started {
  name: string;
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

const started: Started[] = [];
const progress = (line: string) => process.stderr.write(`${line}\n`);

function start(name: string, args: string[], env: NodeJS.ProcessEnv): Started {
  // Its own process group: a Ctrl-C reaches this script only, which then stops each child once.
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const proc: Started = { name, child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (proc.output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (proc.output += d));
  started.push(proc);
  progress(`${name}: pid ${child.pid}`);
  return proc;
}

function jsonLines(proc: Started): Record<string, unknown>[] {
  return proc.output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
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
async function waitFor<T>(proc: Started, what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode} before ${what}: ${lastLine(proc)}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not report ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM to every process still running, newest first; SIGKILL past the deadline. */
async function stopAll(): Promise<void> {
  for (const proc of [...started].reverse()) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) continue;
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await proc.exited;
    clearTimeout(timer);
    progress(`${proc.name}: stopped`);
  }
}

function workerBin(): string {
  const manifest = require.resolve('@graflow/worker/package.json');
  return join(dirname(manifest), (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }).bin['graflow-worker']);
}

async function main(): Promise<void> {
  let redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    progress(`redis: ${redisUrl} (REDIS_URL)`);
  } else {
    const redis = await startLocalRedis();
    started.push({ name: 'redis-server', child: redis.process, output: '', exited: new Promise((r) => redis.process.once('exit', r)) });
    progress(`redis-server: pid ${redis.process.pid}, ${redis.url}`);
    redisUrl = redis.url;
  }
  // A fresh prefix: no ':' (see the README's key-prefix convention), and nothing else's keys.
  const keyPrefix = `examples-etl-${randomBytes(4).toString('hex')}`;
  const connection = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix };

  const tasks = join(__dirname, 'etl-tasks.js');
  const workers = WORKER_IDS.map((id) =>
    start(id, [workerBin(), '--worker-id', id, '--tasks', tasks, '--concurrency', '1', '--metrics-host', '127.0.0.1'], connection),
  );
  for (const worker of workers) {
    await waitFor(worker, 'running', () => jsonLines(worker).find((l) => l.msg === 'graflow-worker running'), START_TIMEOUT_MS);
  }

  const producer = start('producer', [join(__dirname, 'etl-producer.js')], connection);
  const code = await producer.exited;
  if (code !== 0) throw new Error(`producer exited ${code}: ${lastLine(producer)}`);
  const result = jsonLines(producer).at(-1) as { workflow: string; runId: string; output: unknown };

  // A worker logs a branch once its outcome is recorded, which can be just after the producer saw it.
  const branchIds = ['transform-1', 'transform-2', 'transform-3', 'transform-4'];
  const ranOn = () => {
    const seen = new Map<string, string>();
    for (const worker of workers) {
      for (const l of jsonLines(worker)) {
        if (l.msg === 'branch succeeded' && l.runId === result.runId) seen.set(String(l.taskId), String(l.workerId));
      }
    }
    return branchIds.every((id) => seen.has(id)) ? Object.fromEntries(branchIds.map((id) => [id, seen.get(id)!])) : undefined;
  };
  const branches = await waitFor(workers[0], 'the branches of the run', ranOn, 10_000);
  const pids = Object.fromEntries(started.map((p) => [p.name, p.child.pid]));
  console.log(JSON.stringify({ ...result, keyPrefix, branches, pids }, null, 2));
}

let stopping: Promise<void> | undefined;
const finish = (exitCode: number) => {
  stopping ??= stopAll().then(() => {
    process.exitCode = exitCode;
  });
  return stopping;
};
process.once('SIGINT', () => void finish(130));
process.once('SIGTERM', () => void finish(143));

main().then(
  () => finish(0),
  async (err: unknown) => {
    console.error(`example:distributed failed: ${err instanceof Error ? err.message : String(err)}`);
    await finish(1);
  },
);
