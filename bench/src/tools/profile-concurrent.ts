/**
 * Profiling aid (not part of `npm run bench`): runs the concurrent workload with a CPU profile of
 * this producer process and of one worker process, and prints the hottest functions of each.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/tools/profile-concurrent.js [runs] [inFlight]
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '@graflow/core';
import { startRedisServer } from '@graflow/testing';
import { readFileSync } from 'node:fs';
import { fanOut } from '../distributed-bench';
import { RawFlows } from '../raw-flows';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 1000);
  const inFlight = Number(process.argv[3] ?? 100);
  const server = await startRedisServer();
  const prefix = `prof-${process.pid}`;
  const mode = (process.env.MODE ?? 'graflow') as 'graflow' | 'raw';
  const worker = fork(join(__dirname, '..', 'worker-process.js'), [mode, String(server.port), prefix, '50'], {
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR ?? '/tmp/prof'}`],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  const client = await connect({ host: server.host, port: server.port, keyPrefix: prefix });
  const wf = fanOut(4);
  const raw = mode === 'raw' ? await RawFlows.open({ host: server.host, port: server.port }, prefix) : undefined;
  const one = () => (raw ? raw.run(4) : wf.run({ client }));
  const cpuOf = (pid: number) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const info = async () => {
    const text = String(await client.runtime.redis.info('all'));
    const num = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(text)?.[1] ?? 0);
    return { cpu: num('used_cpu_user') + num('used_cpu_sys'), commands: num('total_commands_processed'), calls: num('total_connections_received') };
  };
  await one();
  const before = await info();
  const cpu0 = { producer: process.cpuUsage(), worker: cpuOf(worker.pid!) };
  let started = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (started < runs) {
      started++;
      await one();
    }
  }));
  const seconds = (Date.now() - t0) / 1000;
  const after = await info();
  const producerCpu = process.cpuUsage(cpu0.producer);
  const workerCpu = cpuOf(worker.pid!) - cpu0.worker;
  console.log(`[${mode}] cpu per run: producer ${((producerCpu.user + producerCpu.system) / 1000 / runs).toFixed(3)} ms, worker ${((workerCpu * 1000) / runs).toFixed(3)} ms, redis ${(((after.cpu - before.cpu) * 1000) / runs).toFixed(3)} ms`);
  console.log(`${runs} runs in ${seconds.toFixed(2)} s: ${(runs / seconds).toFixed(0)} runs/s; redis cpu ${(after.cpu - before.cpu).toFixed(2)} s (${(((after.cpu - before.cpu) / seconds) * 100).toFixed(0)}% of one core), ${((after.commands - before.commands) / runs).toFixed(1)} commands per run`);
  await client.close();
  await raw?.close();
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
