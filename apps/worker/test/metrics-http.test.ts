import { Queue } from 'bullmq';
import { register as globalRegistry } from 'prom-client';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { workerReadyProbe } from '../src/http/probes';
import { startOpsHttpServer, type OpsHttpServer } from '../src/http/server';
import { QueueDepthProbe } from '../src/metrics/queue-depth';
import { createRegistry, registerQueueDepth, registerWorkerMetrics } from '../src/metrics/registry';
import { FakeWorker } from './fixtures/fake-worker';
import { httpGet, metricValue } from './fixtures/http';

describe('metrics registry and HTTP routes (in process, fake worker events)', () => {
  let server: OpsHttpServer | undefined;
  let probe: QueueDepthProbe | undefined;
  afterEach(async () => {
    await server?.close();
    await probe?.close();
    server = undefined;
    probe = undefined;
  });

  type Depths = Record<string, number | undefined>;
  async function serve(worker: FakeWorker, depths: Depths = { tasks: 0 }): Promise<OpsHttpServer> {
    const registry = createRegistry({ processMetrics: true });
    registerQueueDepth(registry, 'p1', async () => new Map(Object.entries(depths)));
    registerWorkerMetrics(registry, worker);
    let shuttingDown = false;
    worker.on('shutdown:begin', () => (shuttingDown = true));
    server = await startOpsHttpServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      ready: workerReadyProbe(worker, () => shuttingDown),
    });
    return server;
  }

  it('counts task outcomes and durations from task:end events, with bounded labels', async () => {
    const worker = new FakeWorker();
    const { port } = await serve(worker, { tasks: 7 });
    worker.runTask('a', 'succeeded', 1500);
    worker.runTask('b', 'succeeded', 20);
    worker.runTask('c', 'failed', 300);
    worker.emit('graph:cache', { hit: false });
    worker.emit('graph:cache', { hit: true });
    worker.emit('graph:cache', { hit: true });
    worker.metrics.activeTasks = 2;

    const res = await httpGet(port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/plain');
    const m = (name: string, labels?: Record<string, string>) => metricValue(res.body, name, labels);
    expect(m('graflow_tasks_total', { status: 'succeeded' })).toBe(2);
    expect(m('graflow_tasks_total', { status: 'failed' })).toBe(1);
    expect(m('graflow_task_duration_seconds_count')).toBe(3);
    expect(m('graflow_task_duration_seconds_sum')).toBeCloseTo(1.82, 5);
    expect(m('graflow_task_duration_seconds_bucket', { le: '0.025' })).toBe(1);
    expect(m('graflow_task_duration_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(m('graflow_worker_active_tasks')).toBe(2);
    expect(m('graflow_queue_depth', { key_prefix: 'p1', queue: 'tasks' })).toBe(7);
    expect(m('graflow_graph_cache_hits_total')).toBe(2);
    expect(m('graflow_graph_cache_misses_total')).toBe(1);
    expect(res.body).toContain('process_cpu_user_seconds_total');
    // No run, group, job or task ids in labels.
    expect(res.body).not.toMatch(/run-1|g-1|job-|taskId|task_id/);
    // Our own registry: nothing leaks into prom-client's global one.
    expect(await globalRegistry.metrics()).not.toContain('graflow_');
  });

  it('starts the task counters at zero for both statuses and leaves out an unknown queue depth', async () => {
    const { port } = await serve(new FakeWorker(), { tasks: undefined });
    const { body } = await httpGet(port, '/metrics');
    expect(metricValue(body, 'graflow_tasks_total', { status: 'succeeded' })).toBe(0);
    expect(metricValue(body, 'graflow_tasks_total', { status: 'failed' })).toBe(0);
    expect(body).not.toMatch(/^graflow_queue_depth\{/m);
  });

  it('reports one queue-depth series per queue, leaving out a queue whose depth is unknown', async () => {
    const { port } = await serve(new FakeWorker(), { tasks: 4, gpu: 9, io: undefined });
    const { body } = await httpGet(port, '/metrics');
    expect(body.split('\n').filter((l) => l.startsWith('graflow_queue_depth'))).toEqual([
      'graflow_queue_depth{key_prefix="p1",queue="tasks"} 4',
      'graflow_queue_depth{key_prefix="p1",queue="gpu"} 9',
    ]);
  });

  it('answers /healthz whenever the process answers, and /readyz from the worker state', async () => {
    const worker = new FakeWorker();
    const { port } = await serve(worker);
    const status = async (path: string) => (await httpGet(port, path)).status;
    expect([await status('/healthz'), await status('/readyz')]).toEqual([200, 503]);
    expect((await httpGet(port, '/readyz')).body).toBe('not started\n');
    await worker.start();
    expect([await status('/healthz'), await status('/readyz')]).toEqual([200, 200]);
    // Redis away: not ready, but alive (an orchestrator must not restart the process for it).
    worker.connected = false;
    expect([await status('/healthz'), await status('/readyz')]).toEqual([200, 503]);
    expect((await httpGet(port, '/readyz')).body).toBe('redis disconnected\n');
    worker.connected = true;
    worker.emit('shutdown:begin', { timeoutMs: 1000 });
    expect([await status('/healthz'), await status('/readyz')]).toEqual([200, 503]);
    expect((await httpGet(port, '/readyz')).body).toBe('shutting down\n');
    expect(await status('/nope')).toBe(404);
  });

  it('reads waiting plus prioritized jobs of each probed queue of the prefix', async () => {
    const redis = sharedRedis();
    const prefix = uniquePrefix('depth');
    const queue = new Queue('tasks', { connection: redis, prefix });
    const gpu = new Queue('gpu', { connection: redis, prefix });
    try {
      await queue.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'branch', data: { i } })));
      await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'branch', data: { i }, opts: { priority: 1 + (i % 3) } })));
      await queue.add('branch', { delayed: true }, { delay: 60_000 });
      await gpu.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'branch', data: { i } })));
      probe = new QueueDepthProbe(redis, prefix);
      const both = new QueueDepthProbe(redis, prefix, { queues: ['gpu', 'tasks', 'io'] });
      const other = new QueueDepthProbe(redis, uniquePrefix('other'));
      try {
        expect(await probe.depth()).toBe(undefined); // not connected yet: answers at once
        expect(await both.depths()).toEqual(new Map([['gpu', undefined], ['tasks', undefined], ['io', undefined]]));
        await waitFor(() => probe!.connected && other.connected && both.connected, { what: 'probe connections' });
        expect(probe.queues).toEqual(['tasks']);
        expect(await probe.depth()).toBe(50);
        expect(await other.depth()).toBe(0);
        expect(await both.depths()).toEqual(new Map([['gpu', 3], ['tasks', 50], ['io', 0]]));
        expect(await both.depth('gpu')).toBe(3);
        await expect(both.depth('nope')).rejects.toThrow(/not probed/);
      } finally {
        await Promise.all([other.close(), both.close()]);
      }
    } finally {
      for (const q of [queue, gpu]) {
        await q.obliterate({ force: true });
        await q.close();
      }
    }
  });
});
