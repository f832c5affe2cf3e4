import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import { workflowScenarios } from '@graflow/scenarios';

// The scenario suite once more, on a namespace of three shards: runs land in the shard of their
// (random) id, and every result, policy, timeout, nested group and channel behaves the same.
const SHARDS = 3;

describe(`workflow scenarios on a namespace of ${SHARDS} shards`, () => {
  let workers: TaskWorker[] = [];
  let prefix = '';

  beforeEach(async () => {
    prefix = uniquePrefix(expect.getState().currentTestName ?? 'sharded').replace(/:/g, '-');
    workers = ['s1', 's2'].map((workerId) => new TaskWorker({ workerId, redis: { ...sharedRedis(), shards: SHARDS }, keyPrefix: prefix, concurrency: 16 }));
    await Promise.all(workers.map((w) => w.start()));
  });

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop({ timeoutMs: 2_000 })));
  });

  workflowScenarios(() => ({
    backend: 'redis',
    run: (wf, options) => wf.run({ queueBackend: 'redis', config: { ...sharedRedis(), keyPrefix: prefix, shards: SHARDS }, ...options }),
  }));
});
