import { DEFAULT_QUEUE } from '@graflow/core/redis';
import { freePort, settlesWithin, startRedisServer, uniquePrefix, waitFor, type RedisServerHandle } from '@graflow/testing';
import { Queue } from 'bullmq';
import { CliProcess, EXPORTER_BIN, killSpawned } from './fixtures/cli';
import { httpGet } from './fixtures/http';
import { runDistributed, sleepers, spawnWorker } from './fixtures/worker';

let redis: RedisServerHandle | undefined;
afterEach(async () => {
  await killSpawned();
  await redis?.stop();
  redis = undefined;
});

describe('graflow-worker and graflow-exporter across a Redis restart (spawned)', () => {
  it('stay alive (/healthz 200) but not ready (/readyz 503) while Redis is down, recover on their own, and the running workflow completes', async () => {
    redis = await startRedisServer({ appendOnly: true });
    const target = { host: redis.host, port: redis.port };
    const prefix = uniquePrefix('restart');
    // A job the worker was fetching at the moment Redis died is active in Redis (AOF) but the
    // reply was lost; ioredis resends the fetch, which takes the next job. The orphan runs again
    // once its lock lapses and a stalled check finds it: up to lock + interval later (60 s with
    // the defaults), so this worker uses a 5 s lock and a 1 s check to keep the test short.
    const worker = await spawnWorker(target, prefix, ['--lock-duration', '5000', '--stalled-interval', '1000']);
    const exporterPort = await freePort();
    const exporter = new CliProcess(EXPORTER_BIN, ['--redis-port', String(redis.port), '--redis-key-prefix', prefix, '--metrics-host', '127.0.0.1', '--metrics-port', String(exporterPort)]);
    await exporter.waitForLog('exporter started');
    const probes = async () => ({
      worker: [await worker.status('/healthz'), await worker.status('/readyz')],
      exporter: [(await httpGet(exporterPort, '/healthz')).status, (await httpGet(exporterPort, '/readyz')).status],
    });
    await waitFor(async () => (await probes()).exporter[1] === 200, { what: 'the exporter ready' });
    expect(await probes()).toEqual({ worker: [200, 200], exporter: [200, 200] });

    const run = runDistributed(prefix, () => sleepers(1_500, [1, 2, 3, 4, 5, 6]), target);
    await worker.waitForActive(1);
    // A crash: with appendfsync always the AOF already holds every acknowledged write. (The
    // handle's stop() also removes the data directory, so it cannot precede restart().)
    await settlesWithin(redis.kill(), 10_000, 'redis-server to exit after SIGKILL');
    // Liveness never depends on Redis: an orchestrator must not restart the processes for it.
    await waitFor(async () => (await worker.status('/readyz')) === 503 && (await httpGet(exporterPort, '/readyz')).status === 503, { what: '/readyz 503 while Redis is down' });
    expect(await probes()).toEqual({ worker: [200, 503], exporter: [200, 503] });
    expect((await httpGet(worker.metricsPort, '/readyz')).body).toBe('redis disconnected\n');

    await settlesWithin(redis.restart(), 15_000, 'redis-server to restart'); // same port and data directory: the AOF replays
    await waitFor(async () => JSON.stringify(await probes()) === JSON.stringify({ worker: [200, 200], exporter: [200, 200] }), {
      timeoutMs: 30_000,
      what: '/readyz 200 after Redis is back',
    });

    // Bounded, and on a timeout the jobs' states say where the run stood.
    const result = await settlesWithin(run, 30_000, 'the run to end after Redis came back').catch(async (err: unknown) => {
      const queue = new Queue(DEFAULT_QUEUE, { connection: { ...target, maxRetriesPerRequest: 1 }, prefix });
      const counts = await queue.getJobCounts().catch((e: unknown) => String(e));
      const active = await queue.getJobs(['active']).then((jobs) => jobs.map((j) => `${j.id} (${j.name})`)).catch(() => []);
      await queue.close();
      const workerLog = worker.proc.stdout.split('\n').filter((line) => !line.includes('"level":"debug"')).slice(-30).join('\n');
      throw new Error(`${(err as Error).message}; jobs: ${JSON.stringify(counts)}, active: ${active.join(', ') || 'none'}\nworker log:\n${workerLog}\nworker stderr:\n${worker.proc.stderr.slice(-2000)}`);
    });
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3, s4: 4, s5: 5, s6: 6 });
    expect(worker.proc.exit).toBeUndefined(); // the same processes, never restarted
    expect(exporter.exit).toBeUndefined();
    await waitFor(async () => (await worker.metric('graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 0, { what: 'queue depth 0' });
  });
});
