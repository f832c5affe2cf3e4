import { connect, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import IORedis from 'ioredis';

const echo = task('client-echo', (ctx: TaskContext<{ i: number }>) => ctx.params.i);

describe('one long-lived client per process', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test('1,000 runs, 50 at a time, through one client hold at most 4 producer connections', async () => {
    const prefix = uniquePrefix('client');
    const worker = new TaskWorker({ redis: { host: redis.host, port: redis.port }, keyPrefix: prefix, concurrency: 50 });
    await worker.start();
    const admin = new IORedis({ host: redis.host, port: redis.port });
    const connections = async () => String(await admin.client('LIST')).trim().split('\n').length;
    try {
      const baseline = await connections(); // the worker's and this admin connection
      const graflow = await connect({ host: redis.host, port: redis.port, keyPrefix: prefix });
      let most = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          most = Math.max(most, await connections());
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      try {
        const wf = workflow('client-runs', () => parallel(echo.bind({ i: 1 }, { id: 'a' }), echo.bind({ i: 2 }, { id: 'b' })));
        let started = 0;
        const outputs: unknown[] = [];
        await Promise.all(Array.from({ length: 50 }, async () => {
          while (started < 1_000) {
            started++;
            outputs.push((await wf.run({ client: graflow })).output);
          }
        }));
        expect(outputs).toHaveLength(1_000);
        expect(outputs.every((o) => JSON.stringify(o) === JSON.stringify({ a: 1, b: 2 }))).toBe(true);
      } finally {
        sampling = false;
        await sampler;
        await graflow.close();
      }
      expect(most - baseline).toBeGreaterThan(0);
      expect(most - baseline).toBeLessThanOrEqual(4);
      // Closing gives them all back.
      expect(await connections()).toBe(baseline);
    } finally {
      admin.disconnect();
      await worker.stop({ timeoutMs: 2_000 });
    }
  }, 120_000);
});
