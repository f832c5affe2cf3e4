import { parallel } from '@graflow/core';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import { killSpawned } from './fixtures/cli';
import { httpGet, metricValue } from './fixtures/http';
import { maybeFail } from './fixtures/tasks';
import { runDistributed, sleepers, spawnWorker } from './fixtures/worker';

afterEach(killSpawned);

describe('graflow-worker /metrics after real runs (spawned)', () => {
  it('counts exactly the tasks that ran', async () => {
    const prefix = uniquePrefix('metrics-ok');
    const worker = await spawnWorker(sharedRedis(), prefix);
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    const result = await runDistributed(prefix, () => sleepers(20, values));
    expect(Object.keys(result.results as object)).toHaveLength(10);

    const { body } = await httpGet(worker.metricsPort, '/metrics');
    const m = (name: string, labels?: Record<string, string>) => metricValue(body, name, labels);
    expect(m('graflow_tasks_total', { status: 'succeeded' })).toBe(10);
    expect(m('graflow_tasks_total', { status: 'failed' })).toBe(0);
    expect(m('graflow_task_duration_seconds_count')).toBe(10);
    expect(m('graflow_task_duration_seconds_sum')).toBeGreaterThanOrEqual(10 * 0.02 * 0.9);
    expect(m('graflow_worker_active_tasks')).toBe(0);
    expect(m('graflow_queue_depth', { key_prefix: prefix, queue: 'tasks' })).toBe(0);
    expect(m('graflow_graph_cache_misses_total')).toBeGreaterThanOrEqual(1);
    expect((m('graflow_graph_cache_hits_total') ?? 0) + (m('graflow_graph_cache_misses_total') ?? 0)).toBeGreaterThanOrEqual(1);
    expect(body).not.toContain(result.runId); // no run ids in labels
    expect(body).not.toContain('fx.sleepy'); // no task ids either
  });

  it('reports correct fields after a mixed run where some tasks fail', async () => {
    const prefix = uniquePrefix('metrics-mixed');
    const worker = await spawnWorker(sharedRedis(), prefix, ['--concurrency', '4', '--worker-id', 'mixed-1']);
    const branches = [1, 2, 3, 4, 5, 6, 7, 8].map((value) => maybeFail.bind({ value, fail: value > 5 }, { id: `m${value}` }));
    const outcome = await runDistributed(prefix, () => parallel(...branches).withExecution({ policy: 'best_effort' })).then(
      (r) => r,
      (e: unknown) => e,
    );
    // best_effort waits for every branch; whether the group then resolves or rejects is the engine's call.
    if (outcome instanceof Error) expect(outcome.name).toBe('ParallelGroupError');

    await waitFor(async () => (await worker.metric('graflow_task_duration_seconds_count')) === 8, { what: '8 finished tasks' });
    const { body } = await httpGet(worker.metricsPort, '/metrics');
    const m = (name: string, labels?: Record<string, string>) => metricValue(body, name, labels);
    expect(m('graflow_tasks_total', { status: 'succeeded' })).toBe(5);
    expect(m('graflow_tasks_total', { status: 'failed' })).toBe(3);
    expect(m('graflow_worker_active_tasks')).toBe(0);
    const durationSum = m('graflow_task_duration_seconds_sum')!;

    worker.proc.signal('SIGTERM');
    expect((await worker.proc.waitForExit()).code).toBe(0);
    const final = worker.proc.logs().find((r) => r.msg === 'final counters')!;
    expect(final).toMatchObject({ workerId: 'mixed-1', tasksProcessed: 8, tasksSucceeded: 5, tasksFailed: 3, activeTasks: 0 });
    expect(final.totalExecutionTime as number).toBeCloseTo(durationSum, 6);

    // The worker's own logs carry run, group and task ids as fields (never as metric labels).
    const failures = worker.proc.logs().filter((r) => r.level === 'warn' && typeof r.taskId === 'string' && typeof r.runId === 'string');
    expect(failures.map((r) => r.taskId).sort()).toEqual(['m6', 'm7', 'm8']);
    expect(failures.every((r) => typeof r.groupId === 'string' && r.workerId === 'mixed-1')).toBe(true);
  });
});
