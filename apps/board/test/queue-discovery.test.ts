import { resolveRedisConfig } from '@graflow/core';
import { createRedisClient } from '@graflow/core/redis';
import { sharedRedis, startRedisCluster, uniquePrefix, type RedisClusterHandle } from '@graflow/testing';
import { Queue } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';
import { discoverQueues, escapeGlob, queueOfMetaKey } from '../src/queue-discovery';
import { createBoardServer } from '../src/server';
import { getQueues } from './fixtures/board-api';

async function addJob(connection: Redis, prefix: string, queue: string, name: string): Promise<void> {
  const q = new Queue(queue, { connection, prefix });
  await q.add(name, { hello: queue });
  await q.close();
}

describe('queueOfMetaKey', () => {
  it('takes only <prefix>:<queue>:meta with a valid queue name', () => {
    expect(queueOfMetaKey('app:wf', 'app:wf:gpu:meta')).toBe('gpu');
    expect(queueOfMetaKey('app:wf', 'app:wf:run:r1:group:k:meta')).toBeUndefined();
    expect(queueOfMetaKey('app:wf', 'app:wf:inner:tasks:meta')).toBeUndefined();
    expect(queueOfMetaKey('app:wf', 'app:wfx:gpu:meta')).toBeUndefined();
    expect(queueOfMetaKey('app:wf', 'app:wf::meta')).toBeUndefined();
    expect(queueOfMetaKey('app:wf', 'app:wf:g p u:meta')).toBeUndefined();
  });

  it('escapes every Redis glob character', () => {
    expect(escapeGlob('{app}[1]*?^\\')).toBe('{app}\\[1\\]\\*\\?\\^\\\\');
  });
});

describe('discoverQueues on one server', () => {
  const redis = new IORedis(sharedRedis());
  afterAll(() => redis.disconnect());

  it('finds every queue of the prefix, and none of a prefix its glob would also match', async () => {
    const base = uniquePrefix('disc');
    const mine = `${base}[ab]*`;
    await addJob(redis, mine, 'gpu', 'g');
    await addJob(redis, mine, 'io_pool-2', 'i');
    await addJob(redis, `${base}a`, 'cpu', 'c'); // matched by an unescaped `${base}[ab]*:*:meta`
    await redis.hset(`${mine}:run:r1:group:k1:meta`, 'total', 1); // a barrier, not a queue
    expect(await discoverQueues(redis, mine)).toEqual(['tasks', 'gpu', 'io_pool-2']);
    expect(await discoverQueues(redis, `${base}a`)).toEqual(['tasks', 'cpu']);
  });
});

describe('discovery and the board on a Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('scans every master and serves the queues of a hash-tagged prefix', async () => {
    const prefix = `{${uniquePrefix('disc').replace(/:/g, '-')}}:wf`;
    const config = resolveRedisConfig({ host: cluster.host, port: cluster.port, cluster: true, keyPrefix: prefix });
    const client = createRedisClient(config);
    try {
      await client.connect();
      await addJob(client, prefix, 'tasks', 'group g');
      await addJob(client, prefix, 'gpu', 'embed-1');
      // Other namespaces live in other slots, on other masters.
      for (const other of ['{a}:wf', '{b}:wf', '{c}:wf']) await addJob(client, other, 'cpu', 'x');
      expect(await discoverQueues(client, prefix)).toEqual(['tasks', 'gpu']);
      expect(await discoverQueues(client, '{a}:wf')).toEqual(['tasks', 'cpu']);

      const board = await createBoardServer({ redis: { host: cluster.host, port: cluster.port, cluster: true }, keyPrefix: prefix, port: 0 });
      try {
        expect(board.queues()).toEqual(['tasks', 'gpu']);
        const gpu = (await getQueues(board, 'gpu')).find((q) => q.name === 'gpu');
        expect(gpu?.jobs.map((j) => j.name)).toEqual(['embed-1']);
      } finally {
        await board.close();
      }
    } finally {
      await client.quit();
    }
  });
});
