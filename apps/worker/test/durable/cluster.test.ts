import { connect, type RunEvent } from '@graflow/core';
import { startRedisCluster, type RedisClusterHandle } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import * as fx from './fixtures/durable-tasks';

// Every key a durable run adds (its events, its group registry, its run job) is in the run's
// slot under a braced prefix, so the run scripts work on a cluster.
describe('durable runs on Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('submit, events, result and cancel under a braced prefix on a three-master cluster', async () => {
    const keyPrefix = `{gft-durable-${process.pid}}:wf`;
    const redis = { host: cluster.host, port: cluster.port, cluster: true };
    const worker = new TaskWorker({ workerId: 'dc1', redis, keyPrefix, concurrency: 4 });
    await worker.start();
    const client = await connect({ ...redis, keyPrefix });
    try {
      const handle = await fx.chainWithGroup('durable-cluster').submit({ client });
      expect((await handle.result()).output).toEqual({ sum: 6, parts: 3 });
      const types: RunEvent['type'][] = [];
      for await (const e of handle.events()) types.push(e.type);
      expect(types[0]).toBe('run:started');
      expect(types.at(-1)).toBe('run:finished');
      expect(types.filter((t) => t === 'group:progress')).toHaveLength(2);

      const doomed = await fx.watchers('durable-cluster-cancel', 60_000).submit({ client });
      await (async () => {
        for await (const e of doomed.events()) if (e.type === 'group:dispatched') return;
      })();
      expect(await doomed.cancel('stop')).toBe(true);
      await expect(doomed.result()).rejects.toThrow('workflow cancelled: stop');
    } finally {
      await client.close();
      await worker.stop({ timeoutMs: 2_000 });
    }
  });
});
