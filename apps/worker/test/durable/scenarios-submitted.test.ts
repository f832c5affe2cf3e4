import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import { workflowScenarios } from '@graflow/scenarios';

// The scenario suite once more, each workflow submitted (the whole run on workers, the root
// sequence included) and its ending read back with result(): the same values and the same
// errors as run() in-process and with the producer driving.
describe('workflow scenarios as submitted runs', () => {
  let workers: TaskWorker[] = [];
  let prefix = '';

  beforeEach(async () => {
    prefix = uniquePrefix(expect.getState().currentTestName ?? 'submitted');
    workers = ['w1', 'w2'].map((workerId) => new TaskWorker({ workerId, redis: sharedRedis(), keyPrefix: prefix, concurrency: 16 }));
    await Promise.all(workers.map((w) => w.start()));
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop({ timeoutMs: 2_000 })));
  });

  workflowScenarios(() => ({
    backend: 'redis',
    run: async (wf, options) => {
      const handle = await wf.submit({ config: { ...sharedRedis(), keyPrefix: prefix }, ...options });
      return await handle.result();
    },
  }));
});
