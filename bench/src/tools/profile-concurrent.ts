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
import { fanOut } from '../distributed-bench';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 1000);
  const inFlight = Number(process.argv[3] ?? 100);
  const server = await startRedisServer();
  const prefix = `prof-${process.pid}`;
  const worker = fork(join(__dirname, '..', 'worker-process.js'), ['graflow', String(server.port), prefix, '50'], {
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR ?? '/tmp/prof'}`],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  const client = await connect({ host: server.host, port: server.port, keyPrefix: prefix });
  const wf = fanOut(4);
  const info = async () => {
    const text = String(await client.runtime.redis.info('all'));
    const num = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(text)?.[1] ?? 0);
    return { cpu: num('used_cpu_user') + num('used_cpu_sys'), commands: num('total_commands_processed'), calls: num('total_connections_received') };
  };
  await wf.run({ client });
  const before = await info();
  let started = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (started < runs) {
      started++;
      await wf.run({ client });
    }
  }));
  const seconds = (Date.now() - t0) / 1000;
  const after = await info();
  console.log(`${runs} runs in ${seconds.toFixed(2)} s: ${(runs / seconds).toFixed(0)} runs/s; redis cpu ${(after.cpu - before.cpu).toFixed(2)} s (${(((after.cpu - before.cpu) / seconds) * 100).toFixed(0)}% of one core), ${((after.commands - before.commands) / runs).toFixed(1)} commands per run`);
  await client.close();
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
