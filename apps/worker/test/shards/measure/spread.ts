/**
 * How a sharded namespace spreads Redis work over a cluster's masters (docs/scaling.md). Not a
 * test and not part of `npm run bench`: run it by hand after `npm run build`,
 *   npx ts-node --transpile-only -P tsconfig.test.json apps/worker/test/shards/measure/spread.ts
 * It starts a local 3-master cluster, then for each shard count runs the same load (concurrent
 * runs of one group of no-op branches, one in-process worker) and prints, per master, the Redis
 * commands and CPU seconds the load cost, and the branch throughput. On a small shared machine
 * the throughput is bound by the one Node process, not by Redis; the per-master split is the
 * part that carries over to real hardware.
 */
import { randomBytes } from 'node:crypto';
import { connect, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { shardIndexOfRun } from '@graflow/core/redis';
import { startRedisCluster } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import IORedis from 'ioredis';

const RUNS = Number(process.env.RUNS ?? 40);
const BRANCHES = Number(process.env.BRANCHES ?? 25);
const noop = task('measure-noop', (ctx: TaskContext<{ i: number }>) => ctx.params.i);

async function masterStats(nodes: IORedis[]): Promise<{ commands: number; cpu: number }[]> {
  return await Promise.all(nodes.map(async (node) => {
    const info = await node.info();
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
    return { commands: field('total_commands_processed'), cpu: field('used_cpu_sys') + field('used_cpu_user') };
  }));
}

/** One shard count: the same load on a fresh namespace, and what each master did for it. */
async function measure(seed: { host: string; port: number; cluster: boolean }, nodes: IORedis[], shards: number): Promise<Record<string, unknown>> {
  const tag = `measure-${shards}-${randomBytes(3).toString('hex')}`;
  const keyPrefix = shards === 1 ? `{${tag}}` : tag;
  const worker = new TaskWorker({ workerId: `m${shards}`, redis: { ...seed, shards }, keyPrefix, concurrency: 32 });
  await worker.start();
  const client = await connect({ ...seed, keyPrefix, shards }).catch(async (err: unknown) => {
    await worker.stop({ timeoutMs: 5_000 });
    throw err;
  });
  try {
    const wf = workflow('spread', () => parallel(...Array.from({ length: BRANCHES }, (_, i) => noop.bind({ i }, { id: `b${i}` }))).named('g'));
    await wf.run({ client, runId: 'warm-up' });
    const before = await masterStats(nodes);
    const started = process.hrtime.bigint();
    const ids = Array.from({ length: RUNS }, (_, i) => `run-${i}`);
    await Promise.all(ids.map((runId) => wf.run({ client, runId })));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = await masterStats(nodes);
    const runsPerShard = new Array<number>(shards).fill(0);
    for (const id of ids) runsPerShard[shardIndexOfRun(id, shards)]!++;
    const commands = after.map((a, i) => a.commands - before[i]!.commands);
    const total = commands.reduce((a, b) => a + b, 0);
    return {
      shards,
      branchesPerSecond: Math.round((RUNS * BRANCHES) / seconds),
      seconds: Number(seconds.toFixed(2)),
      commandShareByMaster: commands.map((c) => Number((c / total).toFixed(2))),
      redisCpuSecondsByMaster: after.map((a, i) => Number((a.cpu - before[i]!.cpu).toFixed(2))),
      runsPerShard,
    };
  } finally {
    await client.close();
    await worker.stop({ timeoutMs: 5_000 });
  }
}

async function main(): Promise<void> {
  const cluster = await startRedisCluster(3);
  const nodes = cluster.nodes.map((n) => new IORedis({ host: n.host, port: n.port }));
  const seed = { host: cluster.host, port: cluster.port, cluster: true };
  try {
    for (const shards of (process.env.SHARDS ?? '1,3,6,12').split(',').map(Number)) {
      console.log(JSON.stringify(await measure(seed, nodes, shards)));
    }
  } finally {
    nodes.forEach((n) => n.disconnect());
    await cluster.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
