import { Queue } from 'bullmq';
import { parallel } from '@graflow/core';
import { freePort, sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { CliProcess, EXPORTER_BIN, WORKER_BIN, killSpawned, runToExit, sharedRedisArgs } from './fixtures/cli';
import { httpGet, scrape } from './fixtures/http';
import { cpuEcho, gpuEcho } from './fixtures/pool-tasks';
import { runDistributed, spawnWorker } from './fixtures/worker';

afterEach(killSpawned);

// Specialized worker pools through the real CLI: `--queues` picks the BullMQ queues a worker
// serves; a task with `{ queue: 'gpu' }` runs only on a worker serving `gpu`, while its group is
// finalized on `tasks`.
const POOL_TASKS = ['--tasks', './pool-tasks.js'];
const GPU = [...POOL_TASKS, '--queues', 'gpu'];

/** Three gpu branches and two default-queue branches in one group. */
const mixedGroup = () =>
  parallel(
    ...[1, 2, 3].map((value) => gpuEcho.bind({ value }, { id: `g${value}` })),
    ...[1, 2].map((value) => cpuEcho.bind({ value }, { id: `c${value}` })),
  );

type Echo = { value: number; pid: number };

describe('graflow-worker --queues (spawned)', () => {
  it('accepts --queues gpu,io, logs the queues served and reports the depth of each', async () => {
    const prefix = uniquePrefix('queues-ok');
    const worker = await spawnWorker(sharedRedis(), prefix, [...POOL_TASKS, '--queues', 'gpu,io']);
    expect(worker.proc.logs().find((r) => r.msg === 'graflow-worker running')).toMatchObject({ queues: ['gpu', 'io'] });
    await waitFor(async () => (await worker.metric('graflow_queue_depth', { key_prefix: prefix, queue: 'io' })) === 0, { what: 'io depth' });
    const { body } = await httpGet(worker.metricsPort, '/metrics');
    expect(body.split('\n').filter((l) => l.startsWith('graflow_queue_depth'))).toEqual([
      `graflow_queue_depth{key_prefix="${prefix}",queue="gpu"} 0`,
      `graflow_queue_depth{key_prefix="${prefix}",queue="io"} 0`,
    ]);
    worker.proc.signal('SIGTERM');
    expect(await worker.proc.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('exits 2 on a bad queue name, naming the flag (or GRAFLOW_QUEUES) and the value in one line', async () => {
    const result = await runToExit(WORKER_BIN, ['--tasks', 'tasks.js', '--queues', 'gpu,bad:name']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'graflow-worker: invalid value for --queues: "bad:name" (expected queue names of 1 to 64 letters, digits, "_" or "-", separated by ",") (see --help)',
    );
    const fromEnv = await runToExit(WORKER_BIN, ['--tasks', 'tasks.js'], { env: { GRAFLOW_QUEUES: 'tasks,gpu us' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr.trim().split('\n')).toHaveLength(1);
    expect(fromEnv.stderr).toContain('invalid value for --queues (from GRAFLOW_QUEUES): "gpu us"');
  });

  it('runs gpu branches on the --queues gpu worker and the rest (and the group) on a default worker', async () => {
    const prefix = uniquePrefix('queues-pools');
    const [general, gpu] = await Promise.all([
      spawnWorker(sharedRedis(), prefix, [], { tasks: ['./pool-tasks.js'] }), // a user's defaults: the tasks queue
      spawnWorker(sharedRedis(), prefix, [...GPU, '--worker-id', 'gpu-1']),
    ]);
    const { output } = await runDistributed(prefix, mixedGroup);
    const echoes = output as Record<string, Echo>;
    expect(Object.fromEntries(Object.entries(echoes).map(([id, e]) => [id, e.value]))).toEqual({ g1: 1, g2: 2, g3: 3, c1: 1, c2: 2 });
    for (const id of ['g1', 'g2', 'g3']) expect(echoes[id]!.pid).toBe(gpu.proc.pid);
    for (const id of ['c1', 'c2']) expect(echoes[id]!.pid).toBe(general.proc.pid);
    expect(await gpu.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(3);
    expect(await general.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(2);
  });

  it('runs both kinds of branches on one worker given --queues tasks,gpu', async () => {
    const prefix = uniquePrefix('queues-both');
    const worker = await spawnWorker(sharedRedis(), prefix, [...POOL_TASKS, '--queues', 'tasks,gpu']);
    const { output } = await runDistributed(prefix, mixedGroup);
    expect(Object.values(output as Record<string, Echo>).map((e) => e.pid)).toEqual(Array(5).fill(worker.proc.pid));
    expect(await worker.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(5);
  });

  it('leaves gpu branches queued while only a tasks worker runs, and completes once a gpu worker starts', async () => {
    const prefix = uniquePrefix('queues-wait');
    const gpuQueue = new Queue('gpu', { connection: sharedRedis(), prefix });
    try {
      // The tasks worker loads the gpu task too: if it took a gpu job it would run it.
      const general = await spawnWorker(sharedRedis(), prefix, [...POOL_TASKS, '--worker-id', 'general']);
      const run = runDistributed(prefix, mixedGroup, sharedRedis(), { noWorkerTimeoutMs: 30_000 });

      await waitFor(async () => (await gpuQueue.getJobCounts('waiting')).waiting === 3, { what: '3 gpu branches waiting' });
      await waitFor(async () => (await general.metric('graflow_tasks_total', { status: 'succeeded' })) === 2, { what: 'the 2 tasks branches' });
      // The exporter sees the backlog of each queue separately; the tasks worker only its own queue.
      const exporterPort = await freePort();
      const exporter = new CliProcess(EXPORTER_BIN, [...sharedRedisArgs(prefix), '--metrics-port', String(exporterPort), '--queues', 'tasks,gpu']);
      await exporter.waitForLog('exporter started');
      await waitFor(async () => (await scrape(exporterPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'gpu' })) === 3, { what: 'gpu depth 3' });
      expect(await scrape(exporterPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })).toBe(0);
      expect(await general.metric('graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })).toBe(0);
      expect(await general.metric('graflow_queue_depth', { key_prefix: prefix, queue: 'gpu' })).toBeUndefined();
      expect(await gpuQueue.getJobCounts('waiting', 'active', 'completed')).toMatchObject({ waiting: 3, active: 0, completed: 0 });

      const gpu = await spawnWorker(sharedRedis(), prefix, [...GPU, '--worker-id', 'gpu-late']);
      const { output } = await run;
      const echoes = output as Record<string, Echo>;
      for (const id of ['g1', 'g2', 'g3']) expect(echoes[id]!.pid).toBe(gpu.proc.pid);
      for (const id of ['c1', 'c2']) expect(echoes[id]!.pid).toBe(general.proc.pid);
      expect(await general.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(2);
      expect(await gpu.metric('graflow_tasks_total', { status: 'succeeded' })).toBe(3);
      await waitFor(async () => (await scrape(exporterPort, 'graflow_queue_depth', { key_prefix: prefix, queue: 'gpu' })) === 0, { what: 'gpu depth 0' });
    } finally {
      await gpuQueue.close();
    }
  });
});
