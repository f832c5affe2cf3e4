/**
 * A durable run of the ETL example on a local worker fleet:
 *
 *   npm run build && node examples/dist/run-submit.js
 *
 * Starts a `redis-server` on a free loopback port (or uses `REDIS_URL` when it is set) and two
 * workers (the built `graflow-worker` loading `etl-tasks.js`), like `run-distributed.ts`. Then a
 * producer process submits the run and exits without waiting (`submit-producer.ts`), and a
 * second process follows it by id (`submit-follower.ts`: its events, result and status). Prints
 * the result as JSON on stdout (progress on stderr), then stops every process it started, by
 * PID, on success and on failure alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startLocalRedis } from './local-redis';

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
  return proc.output.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Waits for a process to exit 0; fails with its last line otherwise. */
async function finished(proc: Started): Promise<Record<string, unknown>[]> {
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${proc.name} exited ${code}: ${proc.output.trim().split('\n').at(-1) ?? ''}`);
  return jsonLines(proc);
}

/** Polls the worker's log (its own output) until it says it runs, exits, or the deadline passes. */
async function running(proc: Started): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!jsonLines(proc).some((l) => l.msg === 'graflow-worker running')) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited ${proc.child.exitCode} before running: ${proc.output.trim().split('\n').at(-1) ?? ''}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not start within ${START_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
  if (!redisUrl) {
    const redis = await startLocalRedis();
    started.push({ name: 'redis-server', child: redis.process, output: '', exited: new Promise((r) => redis.process.once('exit', r)) });
    progress(`redis-server: pid ${redis.process.pid}, ${redis.url}`);
    redisUrl = redis.url;
  }
  const keyPrefix = `examples-submit-${randomBytes(4).toString('hex')}`;
  const connection = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix };
  const tasks = join(__dirname, 'etl-tasks.js');
  const workers = ['worker-1', 'worker-2'].map((id) =>
    start(id, [workerBin(), '--worker-id', id, '--tasks', tasks, '--concurrency', '1', '--metrics-host', '127.0.0.1'], connection),
  );
  for (const worker of workers) await running(worker);

  // The producer exits as soon as the run is enqueued; the run does not need it.
  const submitted = (await finished(start('producer', [join(__dirname, 'submit-producer.js')], connection))).at(-1) as { runId: string };
  const follower = await finished(start('follower', [join(__dirname, 'submit-follower.js'), submitted.runId], connection));
  const events = follower.filter((l) => 'event' in l).map((l) => (l.event as { type: string }).type);
  const result = follower.at(-1) as { runId: string; output: unknown; status: string };
  const pids = Object.fromEntries(started.map((p) => [p.name, p.child.pid]));
  console.log(JSON.stringify({ workflow: 'etl', ...result, events, keyPrefix, pids }, null, 2));
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
    console.error(`run-submit failed: ${err instanceof Error ? err.message : String(err)}`);
    await finish(1);
  },
);
