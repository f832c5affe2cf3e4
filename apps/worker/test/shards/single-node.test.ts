import { connect, parallel, workflow, NoWorkerActivityError, ParallelGroupError, type GraflowClient, type RedisConfig } from '@graflow/core';
import { RunKeys, runPrefixOf, shardIndexOfRun, shardPrefixes } from '@graflow/core/redis';
import { startRedisServer, uniquePrefix, waitFor, type RedisServerHandle } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import IORedis from 'ioredis';
import { maybeFail, sleepy } from '../fixtures/tasks';

// Sharding on one Redis node: the layout is the same as on a Cluster (each shard a hash tag),
// so this is where a namespace starts before it moves to a cluster.
const SHARDS = 4;
// The producer and the worker run as a user limited to the shards' keys and channels.
const USER = { name: 'sharded-app', password: 'sharded-secret' };
const base = uniquePrefix('shards').replace(/:/g, '-');
let server: RedisServerHandle;
let admin: IORedis;

beforeAll(async () => {
  server = await startRedisServer({ aclUsers: [{ ...USER, rules: [`~{${base}*`, `&{${base}*`, '+@all', '-@dangerous'] }] });
  admin = new IORedis({ host: server.host, port: server.port });
});
afterAll(async () => {
  admin.disconnect();
  await server.stop();
});

function config(keyPrefix: string, shards = SHARDS): RedisConfig {
  return { host: server.host, port: server.port, username: USER.name, password: USER.password, keyPrefix, shards };
}

function startWorker(keyPrefix: string, shards = SHARDS): Promise<TaskWorker> {
  const { keyPrefix: _, ...redis } = config(keyPrefix, shards);
  const worker = new TaskWorker({ workerId: `w-${shards}`, redis, keyPrefix, concurrency: 4 });
  return worker.start().then(() => worker);
}

async function connectedClients(): Promise<number> {
  const info = await admin.info('clients');
  return Number(/connected_clients:(\d+)/.exec(info)![1]);
}

/** Run ids `run-0` … that land on every shard (fixed ids: the test does not depend on chance). */
function runIdsOverEveryShard(count: number): string[] {
  const ids = Array.from({ length: count }, (_, i) => `run-${i}`);
  expect(new Set(ids.map((id) => shardIndexOfRun(id, SHARDS))).size).toBe(SHARDS);
  return ids;
}

describe(`a namespace of ${SHARDS} shards on one Redis node`, () => {
  test('every run lives in the shard of its id, a worker serves all shards, and the producer keeps its two connections', async () => {
    const keyPrefix = `${base}-spread`;
    const worker = await startWorker(keyPrefix);
    let client: GraflowClient | undefined;
    try {
      const before = await connectedClients();
      client = await connect(config(keyPrefix));
      const wf = workflow('spread', () => parallel(...[1, 2, 3].map((value) => sleepy.bind({ ms: 0, value }, { id: `v${value}` }))).named('three'));
      const ids = runIdsOverEveryShard(8);
      const results = await Promise.all(ids.map((runId) => wf.run({ client: client!, runId })));
      expect(results.map((r) => r.output)).toEqual(ids.map(() => ({ v1: 1, v2: 2, v3: 3 })));
      // Command connection and subscriber, however many shards the runs went to.
      expect((await connectedClients()) - before).toBe(2);

      const prefixes = shardPrefixes({ keyPrefix, shards: SHARDS });
      for (const runId of ids) {
        const home = runPrefixOf({ keyPrefix, shards: SHARDS }, runId);
        expect(await admin.hget(new RunKeys(home, runId).meta, 'status')).toBe('succeeded');
        for (const other of prefixes.filter((p) => p !== home)) expect(await admin.exists(new RunKeys(other, runId).meta)).toBe(0);
      }
      // Each shard holds its own graph blob and its own BullMQ queue; nothing is left under the bare prefix.
      for (const prefix of prefixes) {
        expect(await admin.keys(`${prefix}:graph:*`)).toHaveLength(1);
        expect(await admin.exists(`${prefix}:tasks:meta`)).toBe(1);
      }
      expect(await admin.keys(`${keyPrefix}:*`)).toEqual([]);
      expect(worker.metrics.tasksSucceeded).toBe(ids.length * 3);
    } finally {
      await client?.close();
      await worker.stop({ timeoutMs: 2_000 });
    }
  });

  test('a failure decided in a shard other than the first cancels that shard\'s running branches', async () => {
    const keyPrefix = `${base}-cancel`;
    const worker = await startWorker(keyPrefix);
    const ended: { taskId: string; status: string; error?: string }[] = [];
    worker.on('task:end', (info) => ended.push({ taskId: info.taskId, status: info.status, ...(info.error ? { error: info.error.name } : {}) }));
    try {
      const runId = ['c-0', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5'].find((id) => shardIndexOfRun(id, SHARDS) === SHARDS - 1)!;
      const wf = workflow('cancel', () =>
        parallel(sleepy.bind({ ms: 60_000, value: 0 }, { id: 'slow' }), maybeFail.bind({ value: 1, fail: true }, { id: 'boom' })).named('doomed'),
      );
      await expect(wf.run({ queueBackend: 'redis', config: config(keyPrefix), runId })).rejects.toBeInstanceOf(ParallelGroupError);
      // The slow branch gets its signal through the last shard's cancel channel, long before 60 s.
      await waitFor(() => ended.find((e) => e.taskId === 'slow'), { timeoutMs: 10_000, what: 'the slow branch to be cancelled' });
      expect(ended.find((e) => e.taskId === 'slow')).toMatchObject({ status: 'failed', error: 'GroupCancelledError' });
    } finally {
      await worker.stop({ timeoutMs: 2_000 });
    }
  });

  test('a worker with another shard count: a run in a shard it does not serve says so', async () => {
    const keyPrefix = `${base}-mismatch`;
    const worker = await startWorker(keyPrefix, 2);
    try {
      const wf = workflow('mismatch', () => parallel(sleepy.bind({ ms: 0, value: 1 }, { id: 'a' }), sleepy.bind({ ms: 0, value: 2 }, { id: 'b' })).named('pair'));
      // Shard names depend on the count, so a two-shard worker serves at most two of the four.
      const served = shardPrefixes({ keyPrefix, shards: 2 });
      const runId = ['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6', 'm-7'].find((id) => !served.includes(shardPrefixes({ keyPrefix, shards: SHARDS })[shardIndexOfRun(id, SHARDS)]!))!;
      const err = await wf.run({ queueBackend: 'redis', config: config(keyPrefix), runId, noWorkerTimeoutMs: 2_000 }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(NoWorkerActivityError);
      const shard = shardPrefixes({ keyPrefix, shards: SHARDS })[shardIndexOfRun(runId, SHARDS)]!;
      // The hint names what an operator sets on the workers: the namespace's prefix and shard count.
      expect((err as Error).message).toContain(`under key prefix '${keyPrefix}' (shard '${shard}' of ${SHARDS})`);
      expect((err as Error).message).toContain(`start workers with --redis-key-prefix ${keyPrefix} --redis-shards ${SHARDS} on the same Redis`);
    } finally {
      await worker.stop({ timeoutMs: 2_000 });
    }
  });
});
