import { connect, getRun, WorkflowCancelledError, type GraflowClient } from '@graflow/core';
import { sharedRedis, uniquePrefix } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import IORedis from 'ioredis';
import * as fx from './fixtures/durable-tasks';

// A namespace of three shards: a submitted run lives in the shard its id hashes to, and a
// handle from any client of the namespace finds it there.
const SHARDS = 3;
const redis = new IORedis(sharedRedis());

describe(`durable runs in a namespace of ${SHARDS} shards`, () => {
  const prefix = uniquePrefix('durable-sharded').replace(/:/g, '-');
  const config = { ...sharedRedis(), keyPrefix: prefix, shards: SHARDS };
  let worker: TaskWorker;
  let producer: GraflowClient;
  let follower: GraflowClient;
  beforeAll(async () => {
    worker = new TaskWorker({ workerId: 'sh1', redis: { ...sharedRedis(), shards: SHARDS }, keyPrefix: prefix, concurrency: 8 });
    await worker.start();
    producer = await connect(config);
    follower = await connect(config);
  });
  afterAll(async () => {
    await producer.close();
    await follower.close();
    await worker.stop({ timeoutMs: 2_000 });
    redis.disconnect();
  });

  test('runs spread over the shards are followed, and cancelled, through another client', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `sharded-run-${i}`);
    const handles = await Promise.all(ids.map((runId) => fx.chainWithGroup('sharded').submit({ client: producer, runId })));
    for (const handle of handles) {
      const run = getRun(handle.runId, { client: follower });
      expect((await run.result()).output).toEqual({ sum: 6, parts: 3 });
      expect(await run.status()).toBe('succeeded');
      const types = [];
      for await (const e of run.events()) types.push(e.type);
      expect(types.at(-1)).toBe('run:finished');
    }
    // The runs' keys are in more than one shard.
    const metas = await Promise.all(ids.map(async (id) => (await redis.keys(`*${id}:meta`))[0]));
    expect(new Set(metas.map((key) => key!.slice(0, key!.indexOf(':run:')))).size).toBeGreaterThan(1);

    const doomed = await fx.watchers('sharded-cancel', 60_000).submit({ client: producer });
    const events = getRun(doomed.runId, { client: follower }).events();
    for await (const e of events) if (e.type === 'group:dispatched') break;
    expect(await getRun(doomed.runId, { client: follower }).cancel('sharded')).toBe(true);
    await expect(doomed.result()).rejects.toThrow(WorkflowCancelledError);
  });
});
