import { Queue } from 'bullmq';
import { freePort, sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { CliProcess, EXPORTER_BIN, WORKER_BIN, killSpawned, runToExit, sharedRedisArgs } from './fixtures/cli';
import { httpGet, scrape } from './fixtures/http';

afterEach(killSpawned);

describe('graflow-exporter (spawned)', () => {
  it('shows a queue depth of 50 after 50 jobs are queued with no worker, and exits 0 on SIGTERM', async () => {
    const prefix = uniquePrefix('exporter');
    const queue = new Queue('tasks', { connection: sharedRedis(), prefix });
    try {
      const metricsPort = await freePort();
      const exporter = new CliProcess(EXPORTER_BIN, [...sharedRedisArgs(prefix), '--metrics-port', String(metricsPort)]);
      await exporter.waitForLog('exporter started');
      await waitFor(async () => (await scrape(metricsPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 0, { what: 'depth 0' });
      await queue.addBulk(Array.from({ length: 50 }, (_, i) => ({ name: 'branch', data: { i } })));
      await waitFor(async () => (await scrape(metricsPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 50, { what: 'depth 50' });

      const { body } = await httpGet(metricsPort, '/metrics');
      // Only the HPA metric: no task counters, no process metrics.
      expect(body.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([`graflow_queue_depth{key_prefix="${prefix}",queue="tasks"} 50`]);
      expect((await httpGet(metricsPort, '/healthz')).status).toBe(200);
      expect((await httpGet(metricsPort, '/readyz')).status).toBe(200);

      exporter.signal('SIGTERM');
      expect(await exporter.waitForExit()).toEqual({ code: 0, signal: null });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('reports one series per queue of --queues (GRAFLOW_QUEUES too)', async () => {
    const prefix = uniquePrefix('exporter-queues');
    const gpu = new Queue('gpu', { connection: sharedRedis(), prefix });
    try {
      await gpu.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'branch', data: { i } })));
      const metricsPort = await freePort();
      const exporter = new CliProcess(EXPORTER_BIN, [...sharedRedisArgs(prefix), '--metrics-port', String(metricsPort), '--queues', 'tasks,gpu']);
      expect(await exporter.waitForLog('exporter started')).toMatchObject({ queues: ['tasks', 'gpu'] });
      await waitFor(async () => (await scrape(metricsPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'gpu' })) === 4, { what: 'gpu depth 4' });
      const { body } = await httpGet(metricsPort, '/metrics');
      expect(body.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
        `graflow_queue_depth{key_prefix="${prefix}",queue="tasks"} 0`,
        `graflow_queue_depth{key_prefix="${prefix}",queue="gpu"} 4`,
      ]);

      const fromEnvPort = await freePort();
      const fromEnv = new CliProcess(EXPORTER_BIN, [...sharedRedisArgs(prefix), '--metrics-port', String(fromEnvPort)], { env: { GRAFLOW_QUEUES: 'gpu' } });
      await fromEnv.waitForLog('exporter started');
      await waitFor(async () => (await scrape(fromEnvPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'gpu' })) === 4, { what: 'gpu depth 4 (env)' });
      const only = (await httpGet(fromEnvPort, '/metrics')).body.split('\n').filter((l) => l && !l.startsWith('#'));
      expect(only).toEqual([`graflow_queue_depth{key_prefix="${prefix}",queue="gpu"} 4`]);
    } finally {
      await gpu.obliterate({ force: true });
      await gpu.close();
    }
  });

  it('exits 2 on a bad queue name', async () => {
    const result = await runToExit(EXPORTER_BIN, ['--queues', 'tasks,gpu/1']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^graflow-exporter: invalid value for --queues: "gpu\/1" \(expected/);
  });

  it('exits 1 naming host:port and the prefix when Redis is unreachable', async () => {
    const prefix = uniquePrefix('exporter-down');
    const deadPort = await freePort();
    const result = await runToExit(EXPORTER_BIN, ['--redis-port', String(deadPort), '--redis-key-prefix', prefix]);
    expect(result.code).toBe(1);
    expect(result.logs).toHaveLength(1);
    expect(result.logs[0]).toMatchObject({ level: 'error' });
    expect(result.logs[0]!.msg).toContain(`127.0.0.1:${deadPort}`);
    expect(result.logs[0]!.msg).toContain(prefix);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it('is the same program as graflow-worker --exporter-only, which needs no task modules', async () => {
    const prefix = uniquePrefix('exporter-only');
    const metricsPort = await freePort();
    const proc = new CliProcess(WORKER_BIN, [...sharedRedisArgs(prefix), '--metrics-port', String(metricsPort), '--exporter-only']);
    await proc.waitForLog('exporter started');
    // The probe's own connection may still be opening: the series appears once it is ready.
    await waitFor(async () => (await scrape(metricsPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })) === 0, { what: 'depth 0' });
    proc.signal('SIGINT');
    expect((await proc.waitForExit()).code).toBe(0);
  });
});
