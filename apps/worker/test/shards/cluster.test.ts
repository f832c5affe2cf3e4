import { Socket } from 'node:net';
import { join } from 'node:path';
import { connect, parallel, task, workflow, type GraflowClient, type TaskContext } from '@graflow/core';
import { Barrier, groupKeyOf, hashSlotOfTag, runPrefixOf, RunKeys, shardIndexOfRun, shardPrefixes } from '@graflow/core/redis';
import { freePort, startRedisCluster, waitFor, type RedisClusterHandle } from '@graflow/testing';
import { Queue } from 'bullmq';
import IORedis, { type Cluster } from 'ioredis';
import { CliProcess, EXPORTER_BIN, killSpawned } from '../fixtures/cli';
import { scrape } from '../fixtures/http';
import { FAST_RECOVERY, spawnWorker } from '../fixtures/worker';
import { sleepy } from '../fixtures/tasks';
import { freshPrefix, runIdsOverEveryShard, shardPlacement } from './cluster-helpers';

const SHARDS = 6;
const MASTERS = 3;
const DIST_TASKS = join(__dirname, '..', 'distributed', 'fixtures', 'dist-tasks.js');
// Same id as the fixture; this function never runs here (every group goes to the workers).
const work = task('dist-work', (_ctx: TaskContext<{ n: number; ms: number }>): number => {
  throw new Error('runs on workers only');
});

let cluster: RedisClusterHandle;
let admin: Cluster;
beforeAll(async () => {
  cluster = await startRedisCluster(MASTERS);
  admin = new IORedis.Cluster([{ host: cluster.host, port: cluster.port }]);
}, 60_000);
afterEach(killSpawned);
afterAll(async () => {
  admin?.disconnect();
  await cluster?.stop();
});

const clusterArgs = () => ({ args: ['--redis-host', cluster.host, '--redis-port', String(cluster.port), '--redis-cluster', '--redis-shards', String(SHARDS)] });
const clusterConfig = (keyPrefix: string) => ({ host: cluster.host, port: cluster.port, cluster: true, keyPrefix, shards: SHARDS });

/**
 * Connections this test process holds to the masters: CLIENT LIST entries whose peer port is a
 * local port of one of our sockets. The spawned worker keeps opening connections as it first
 * needs each master, so a server-wide count would not isolate the producer.
 */
async function connectionsFromHere(): Promise<number> {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const ours = new Set(handles.filter((h): h is Socket => h instanceof Socket && h.remotePort !== undefined).map((s) => s.localPort));
  let count = 0;
  for (const node of admin.nodes('master')) {
    for (const line of String(await node.client('LIST')).split('\n')) {
      const port = /\baddr=[^ ]*:(\d+) /.exec(line)?.[1];
      if (port && ours.has(Number(port))) count++;
    }
  }
  return count;
}

/** Keys matching `pattern` on one master, read over a plain connection to that node. */
async function keysOn(port: number, pattern: string): Promise<string[]> {
  const node = new IORedis({ host: cluster.host, port });
  try {
    return await node.keys(pattern);
  } finally {
    node.disconnect();
  }
}

describe(`a namespace of ${SHARDS} shards on a ${MASTERS}-master Redis Cluster`, () => {
  test('runs land on every master, in the shard of their id, and one spawned worker serves them all', async () => {
    const keyPrefix = freshPrefix('spread');
    // Each shard's tag sits in its own sixth of the slots, so each master holds two shards.
    const { slots, masterOf } = await shardPlacement(admin, keyPrefix, SHARDS);
    expect(slots).toEqual(shardPrefixes({ keyPrefix, shards: SHARDS }).map((prefix) => hashSlotOfTag(prefix.slice(1, -1))));
    expect([...new Set(masterOf)].map((port) => masterOf.filter((m) => m === port).length)).toEqual(new Array(MASTERS).fill(SHARDS / MASTERS));
    const worker = await spawnWorker(clusterArgs(), keyPrefix);
    let client: GraflowClient | undefined;
    try {
      await connectionsFromHere(); // the admin client's own connections to every master, first
      const before = await connectionsFromHere();
      client = await connect(clusterConfig(keyPrefix));
      const ids = runIdsOverEveryShard('run', SHARDS);
      const wf = workflow('spread', () => parallel(...[1, 2, 3, 4].map((value) => sleepy.bind({ ms: 0, value }, { id: `v${value}` }))).named('four'));
      const results = await Promise.all(ids.map((runId) => wf.run({ client: client!, runId })));
      expect(results.map((r) => r.output)).toEqual(ids.map(() => ({ v1: 1, v2: 2, v3: 3, v4: 4 })));
      // After groups in all six shards, only the Cluster clients' own connections: commands and
      // subscriber, at most one per master each (ioredis opens them as it needs a node), and the
      // subscription. Nothing per shard.
      const held = (await connectionsFromHere()) - before;
      expect(held).toBeLessThanOrEqual(2 * MASTERS + 1);

      // Each master holds the run keys of exactly the runs whose shard its slots cover.
      const namespace = { keyPrefix, shards: SHARDS };
      for (const port of new Set(masterOf)) {
        const metas = (await keysOn(port, `{${keyPrefix}-*}:run:*:meta`)).filter((key) => /^\{[^}]+\}:run:[^:]+:meta$/.test(key));
        const expected = ids.filter((id) => masterOf[shardIndexOfRun(id, SHARDS)] === port).map((id) => new RunKeys(runPrefixOf(namespace, id), id).meta);
        expect(expected.length).toBeGreaterThan(0);
        expect(metas.sort()).toEqual(expected.sort());
      }
      for (const runId of ids) expect(await admin.hget(new RunKeys(runPrefixOf(namespace, runId), runId).meta, 'status')).toBe('succeeded');
      // The one worker ran every branch of every shard.
      await waitFor(async () => (await worker.metric('graflow_tasks_total', { status: 'succeeded' })) === ids.length * 4, { what: `${ids.length * 4} branches on the one worker` });
      // And the backlog it reports sums the shards, under the prefix as configured.
      expect(await worker.metric('graflow_queue_depth', { key_prefix: keyPrefix, queue: 'tasks' })).toBe(0);
    } finally {
      await client?.close();
    }
  });

  test('a worker SIGKILLed mid-run: another re-runs its branches in every shard, each counted once', async () => {
    const keyPrefix = freshPrefix('sigkill');
    const { masterOf } = await shardPlacement(admin, keyPrefix, SHARDS);
    const namespace = { keyPrefix, shards: SHARDS };
    const common = [...FAST_RECOVERY, '--concurrency', '8'];
    const doomed = await spawnWorker(clusterArgs(), keyPrefix, [...common, '--worker-id', 'doomed'], { tasks: [DIST_TASKS] });
    let client: GraflowClient | undefined;
    try {
      client = await connect(clusterConfig(keyPrefix));
      const n = 4;
      // One run per master.
      const byMaster = new Map<number, string>();
      for (const id of runIdsOverEveryShard('crash', SHARDS)) {
        const master = masterOf[shardIndexOfRun(id, SHARDS)]!;
        if (!byMaster.has(master)) byMaster.set(master, id);
      }
      const ids = [...byMaster.values()];
      expect(ids).toHaveLength(MASTERS);
      const wf = workflow('crash', () => parallel(...Array.from({ length: n }, (_, i) => work.bind({ n: i + 1, ms: 1_500 }, { id: `w${i}` }))).named('crash-group'));
      const runs = ids.map((runId) => wf.run({ client: client!, runId }));
      runs.forEach((run) => run.catch(() => undefined));
      const executions = (runId: string) => admin.llen(new RunKeys(runPrefixOf(namespace, runId), runId).channel('executions'));
      await waitFor(async () => (await Promise.all(ids.map(executions))).every((count) => count >= n), { timeoutMs: 20_000, what: 'every branch of every run to start on the first worker' });
      doomed.proc.signal('SIGKILL');
      await doomed.proc.waitForExit();
      await spawnWorker(clusterArgs(), keyPrefix, [...common, '--worker-id', 'rescuer'], { tasks: [DIST_TASKS] });

      const outputs = await Promise.all(runs);
      for (const { output } of outputs) expect(Object.values(output as Record<string, number>).reduce((a, b) => a + b, 0)).toBe((n * (n + 1)) / 2);
      for (const runId of ids) {
        const keys = new RunKeys(runPrefixOf(namespace, runId), runId);
        const meta = await new Barrier(admin as unknown as IORedis, keys.barrier(groupKeyOf('/crash-group@1')), 60).meta();
        expect(meta).toMatchObject({ total: n, done: n, ok: n, fail: 0, decided: 'succeeded' });
        // Each branch ran on both workers and was counted once.
        expect(await executions(runId)).toBeGreaterThanOrEqual(2 * n);
      }
    } finally {
      await client?.close();
    }
  });

  test('the exporter reports each queue once, summed over the shards', async () => {
    const keyPrefix = freshPrefix('depth');
    const prefixes = shardPrefixes({ keyPrefix, shards: SHARDS });
    const queues = [0, 3, 5].map((i) => new Queue('tasks', { connection: admin, prefix: prefixes[i] }));
    try {
      await Promise.all(queues.map((queue, i) => queue.addBulk(Array.from({ length: i + 2 }, (_, j) => ({ name: 'branch', data: { j } })))));
      const port = await freePort();
      const exporter = new CliProcess(EXPORTER_BIN, [...clusterArgs().args, '--redis-key-prefix', keyPrefix, '--metrics-host', '127.0.0.1', '--metrics-port', String(port)]);
      await exporter.waitForLog('exporter started');
      // 2 + 3 + 4 jobs in three shards, on different masters.
      await waitFor(async () => (await scrape(port, 'graflow_queue_depth', { key_prefix: keyPrefix, queue: 'tasks' })) === 9, { what: 'a depth of 9' });
    } finally {
      await Promise.all(queues.map(async (queue) => {
        await queue.obliterate({ force: true });
        await queue.close();
      }));
    }
  });
});
