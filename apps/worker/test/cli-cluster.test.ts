import { freePort, startRedisCluster, uniquePrefix, waitFor, type RedisClusterHandle } from '@graflow/testing';
import { CliProcess, EXPORTER_BIN, killSpawned } from './fixtures/cli';
import { scrape } from './fixtures/http';
import { runDistributed, sleepers, spawnWorker } from './fixtures/worker';

let cluster: RedisClusterHandle | undefined;
afterEach(async () => {
  await killSpawned();
  await cluster?.stop();
  cluster = undefined;
});

describe('graflow-worker and graflow-exporter on a Redis Cluster (spawned)', () => {
  it('runs a group under a braced prefix, with metrics and queue depth read through the cluster', async () => {
    cluster = await startRedisCluster(3);
    const seed = { host: cluster.host, port: cluster.port };
    const prefix = `{${uniquePrefix('cluster')}}:wf`;
    const worker = await spawnWorker({ args: ['--redis-cluster', '--redis-host', seed.host, '--redis-port', String(seed.port)] }, prefix);
    const exporterPort = await freePort();
    const exporter = new CliProcess(EXPORTER_BIN, [
      '--redis-cluster', '--redis-host', seed.host, '--redis-port', String(seed.port), '--redis-key-prefix', prefix,
      '--metrics-host', '127.0.0.1', '--metrics-port', String(exporterPort),
    ]);
    await exporter.waitForLog('exporter started');

    const result = await runDistributed(prefix, () => sleepers(20, [1, 2, 3, 4]), { ...seed, cluster: true });
    expect(result.results).toEqual({ s1: 1, s2: 2, s3: 3, s4: 4 });
    expect(await worker.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(4);
    expect(await worker.status('/readyz')).toBe(200);
    await waitFor(async () => (await scrape(exporterPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 0, { what: 'cluster queue depth' });

    worker.proc.signal('SIGTERM');
    exporter.signal('SIGTERM');
    expect((await worker.proc.waitForExit()).code).toBe(0);
    expect((await exporter.waitForExit()).code).toBe(0);
  });
});
