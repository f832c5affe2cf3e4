/**
 * Profiling aid (not part of `npm run bench`): runs many runs of one group against a private
 * redis-server and prints the CPU each process spent per run (producer, workers, Redis) and the
 * Redis commands per run; `MODE=raw` runs raw BullMQ flows instead, for the same figures, and
 * `MODE=floor` raw flows plus only the barrier's Redis work (see `barrier-floor.ts`).
 *
 *   node bench/dist/tools/profile-concurrent.js [runs=1000] [inFlight=100]
 *
 * MODE=graflow|raw|floor   WORKERS=2 (worker processes x 50)   BRANCHES=4 (group size)   WARM=200 (runs first)
 * PROF_DIR=dir       also write a --cpu-prof of every worker into dir (run node with
 *                    --cpu-prof --cpu-prof-dir=dir for this producer's)
 * STATS=1            also print Redis' per-command calls and microseconds per run (INFO commandstats)
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { connect } from '@graflow/core';
import { startRedisServer } from '@graflow/testing';
import { fanOut } from '../distributed-bench';
import { RawFlows } from '../raw-flows';
import { BarrierFloor } from '../barrier-floor';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** User plus system CPU seconds of a process, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 1000);
  const inFlight = Number(process.argv[3] ?? 100);
  const branches = env('BRANCHES', 4);
  const mode = (process.env.MODE ?? 'graflow') as 'graflow' | 'raw' | 'floor';
  if (mode === 'floor' && branches !== 4) throw new Error('MODE=floor runs four-branch groups only');
  const profDir = process.env.PROF_DIR;
  const server = await startRedisServer();
  const prefix = `prof-${process.pid}`;
  const workers = Array.from({ length: env('WORKERS', 2) }, () => fork(join(__dirname, '..', 'worker-process.js'), [mode, String(server.port), prefix, '50'], {
    execArgv: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  }));
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve()))));
  const client = await connect({ host: server.host, port: server.port, keyPrefix: prefix });
  const wf = fanOut(branches);
  const raw = mode === 'raw' ? await RawFlows.open({ host: server.host, port: server.port }, prefix) : undefined;
  const floor = mode === 'floor' ? await BarrierFloor.open(server.port, prefix) : undefined;
  const one = () => (raw ? raw.run(branches) : floor ? floor.run() : wf.run({ client }));
  const redisInfo = async () => {
    const text = String(await client.runtime.redis.info('all'));
    const num = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(text)?.[1] ?? 0);
    return { cpu: num('used_cpu_user') + num('used_cpu_sys'), commands: num('total_commands_processed') };
  };
  const workersCpu = () => workers.reduce((sum, w) => sum + cpuSecondsOf(w.pid!), 0);
  for (let i = 0; i < env('WARM', 200); i++) await one();
  await client.runtime.redis.config('RESETSTAT');
  const before = await redisInfo();
  const cpu0 = { producer: process.cpuUsage(), workers: workersCpu() };
  let started = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (started < runs) {
      started++;
      await one();
    }
  }));
  const seconds = (Date.now() - t0) / 1000;
  const after = await redisInfo();
  const producer = process.cpuUsage(cpu0.producer);
  const perRun = (ms: number) => (ms / runs).toFixed(3);
  console.log(`[${mode}] cpu per run: producer ${perRun((producer.user + producer.system) / 1000)} ms, workers ${perRun((workersCpu() - cpu0.workers) * 1000)} ms, redis ${perRun((after.cpu - before.cpu) * 1000)} ms`);
  console.log(`${runs} runs of ${branches} branches in ${seconds.toFixed(2)} s: ${(runs / seconds).toFixed(0)} runs/s; ${((after.commands - before.commands) / runs).toFixed(1)} Redis commands per run`);
  if (process.env.STATS) {
    for (const line of String(await client.runtime.redis.info('commandstats')).split('\n')) {
      const m = /cmdstat_(.+?):calls=(\d+),usec=(\d+)/.exec(line);
      if (m) console.log(`${m[1]}: ${(Number(m[2]) / runs).toFixed(1)} calls, ${(Number(m[3]) / runs).toFixed(1)} us per run`);
    }
  }
  await client.close();
  await raw?.close();
  await floor?.close();
  for (const w of workers) {
    w.kill('SIGTERM');
    await new Promise((r) => w.once('exit', r));
  }
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
