import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import { workflowScenarios } from '@graflow/scenarios';

// The same scenario suite as the in-process backend, with every group on the worker fleet: two
// TaskWorkers in this process (so they share its task registry), a fresh key prefix per test.
describe('workflow scenarios on the Redis backend', () => {
  let workers: TaskWorker[] = [];
  let prefix = '';

  beforeEach(async () => {
    prefix = uniquePrefix(expect.getState().currentTestName ?? 'redis');
    workers = ['w1', 'w2'].map((workerId) => new TaskWorker({ workerId, redis: sharedRedis(), keyPrefix: prefix, concurrency: 16 }));
    await Promise.all(workers.map((w) => w.start()));
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop({ timeoutMs: 2_000 })));
  });

  workflowScenarios(() => ({
    backend: 'redis',
    run: (wf, options) => wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix }, ...options }),
  }));
});
