import { parallel, task, workflow, type TaskContext } from '@graflow/core';
import { groupKeyOf, RunKeys } from '@graflow/core/redis';
import { startRedisCluster, type RedisClusterHandle } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import IORedis from 'ioredis';

describe('Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test('a group runs under a braced prefix on a three-master cluster', async () => {
    const keyPrefix = `{gft-cluster-${process.pid}}:wf`;
    const redis = { host: cluster.host, port: cluster.port, cluster: true };
    const workers = ['c1', 'c2'].map((workerId) => new TaskWorker({ workerId, redis, keyPrefix, concurrency: 4 }));
    await Promise.all(workers.map((w) => w.start()));
    try {
      const double = task('cl-double', async (ctx: TaskContext<{ n: number }>) => {
        await ctx.channel.incr('calls');
        return ctx.params.n * 2;
      });
      const total = task('cl-total', async (ctx) => ({ calls: await ctx.channel.get('calls') }));
      const wf = workflow('cluster', () => parallel(...[1, 2, 3, 4, 5, 6].map((n) => double.bind({ n }))).named('cl').then(total));
      const { runId, output, results } = await wf.run({ queueBackend: 'redis', config: { ...redis, keyPrefix } });
      expect(output).toEqual({ calls: 6 });
      expect(Object.values(results).filter((v) => typeof v === 'number').reduce((a, b) => (a as number) + (b as number), 0)).toBe(42);

      // Every key of the namespace lives in the one slot its hash tag names.
      const probe = new IORedis.Cluster([{ host: cluster.host, port: cluster.port }]);
      try {
        const meta = new RunKeys(keyPrefix, runId).barrier(groupKeyOf('/cl@1')).meta;
        expect(await probe.hget(meta, 'decided')).toBe('succeeded');
        const slots = await Promise.all([meta, `${keyPrefix}:tasks:wait`, `${keyPrefix}:graph:x`].map((k) => probe.cluster('KEYSLOT', k)));
        expect(new Set(slots).size).toBe(1);
      } finally {
        probe.disconnect();
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop({ timeoutMs: 2_000 })));
    }
  });
});
