import { startRedisServer, uniquePrefix, waitFor, type RedisServerHandle } from '@graflow/testing';
import { killSpawned } from './fixtures/cli';
import { FAST_RECOVERY, runDistributed, sleepers, spawnWorker } from './fixtures/worker';

let redis: RedisServerHandle | undefined;
afterEach(async () => {
  await killSpawned();
  await redis?.stop();
  redis = undefined;
});

describe('graflow-worker across a Redis restart (spawned)', () => {
  it('resumes without a restart: /readyz goes 503 and recovers, and the running workflow completes', async () => {
    redis = await startRedisServer({ appendOnly: true });
    const target = { host: redis.host, port: redis.port };
    const prefix = uniquePrefix('restart');
    const worker = await spawnWorker(target, prefix, ['--concurrency', '2', ...FAST_RECOVERY]);
    expect(await worker.status('/readyz')).toBe(200);

    const run = runDistributed(prefix, () => sleepers(1_500, [1, 2, 3, 4, 5, 6]), target);
    await worker.waitForActive(1);
    // A crash: with appendfsync always the AOF already holds every acknowledged write. (The
    // handle's stop() also removes the data directory, so it cannot precede restart().)
    await redis.kill();
    await waitFor(async () => (await worker.status('/readyz')) === 503, { what: '/readyz 503 while Redis is down' });
    expect(await worker.status('/healthz')).toBe(503);
    await redis.restart(); // same port and data directory: the AOF replays
    await waitFor(async () => (await worker.status('/readyz')) === 200, { timeoutMs: 30_000, what: '/readyz 200 after Redis is back' });
    expect(await worker.status('/healthz')).toBe(200);

    const result = await run;
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3, s4: 4, s5: 5, s6: 6 });
    expect(worker.proc.exit).toBeUndefined(); // the same process, never restarted
    await waitFor(async () => (await worker.metric('graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 0, { what: 'queue depth 0' });
  });
});
