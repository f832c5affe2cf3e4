import { join } from 'node:path';
import { connect, type GraflowClient } from '@graflow/core';
import { decodeValue, DEFAULT_QUEUE, FLOW_CHUNK, groupJobId, groupKeyOf, RunKeys } from '@graflow/core/redis';
import { settlesWithin, sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';
import { killSpawned } from '../fixtures/cli';
import { FAST_RECOVERY, spawnWorker } from '../fixtures/worker';
import * as fx from './fixtures/durable-tasks';

const TASKS = join(__dirname, 'fixtures', 'durable-tasks.js');
const HOLD_FLOW_CHUNKS = join(__dirname, 'fixtures', 'hold-flow-chunks.js');

const redis = new IORedis(sharedRedis());
let client: GraflowClient | undefined;
afterAll(async () => {
  await client?.close();
  await killSpawned();
  redis.disconnect();
});

describe('a submitted run survives the death of the worker running its root', () => {
  test('SIGKILL while the root runs a step: another worker resumes it, finished steps are not re-run', async () => {
    const prefix = uniquePrefix('durable-crash');
    const doomed = await spawnWorker(sharedRedis(), prefix, [...FAST_RECOVERY, '--worker-id', 'doomed'], { tasks: [TASKS] });
    client = await connect({ ...sharedRedis(), keyPrefix: prefix });
    // first, a group (left | right), then a 3 s step on the root, then total.
    const handle = await fx.chainWithGroup('durable-crash', 3_000).submit({ client });
    const executions = async () =>
      (await redis.lrangeBuffer(new RunKeys(prefix, handle.runId).channel('executions'), 0, -1)).map((b) => decodeValue(b) as string);
    await waitFor(async () => (await executions()).includes('slow'), { timeoutMs: 20_000, what: 'the root to reach its slow step' });
    expect(await handle.status()).toBe('running');
    doomed.proc.signal('SIGKILL');
    await doomed.proc.waitForExit();
    const rescuer = await spawnWorker(sharedRedis(), prefix, [...FAST_RECOVERY, '--worker-id', 'rescuer'], { tasks: [TASKS] });

    const { output, results } = await handle.result();
    expect(output).toEqual({ sum: 6, parts: 3 });
    expect(results).toEqual({ first: 1, left: 2, right: 3, slow: 0, total: { sum: 6, parts: 3 } });
    expect(await handle.status()).toBe('succeeded');
    // The journal replayed what had finished: only the step that was cut short ran twice.
    expect((await executions()).sort()).toEqual(['first', 'left', 'right', 'slow', 'slow', 'total']);
    // The rescuer finished the run, and said so.
    expect(rescuer.proc.logs().find((l) => l.msg === 'run succeeded' && l.runId === handle.runId)).toBeDefined();
    rescuer.proc.signal('SIGTERM');
    await rescuer.proc.waitForExit();
  });

  test('SIGKILL between the flow chunks of a large group: the next worker adds the rest, every branch counts once, the gate is gone', async () => {
    const prefix = uniquePrefix('durable-chunks');
    // This worker's root never gets past the group's first chunk: it is killed there.
    const doomed = await spawnWorker(sharedRedis(), prefix, [...FAST_RECOVERY, '--worker-id', 'doomed'], { tasks: [TASKS, HOLD_FLOW_CHUNKS] });
    const submitter = await connect({ ...sharedRedis(), keyPrefix: prefix });
    const n = FLOW_CHUNK + 50;
    try {
      const handle = await fx.wideGroup('durable-chunks', n).submit({ client: submitter });
      const keys = new RunKeys(prefix, handle.runId);
      const groupKey = groupKeyOf('/wide@1');
      const meta = keys.barrier(groupKey).meta;
      // The first chunk's branches all record; the second chunk was never sent, so none of its do.
      await waitFor(async () => Number(await redis.hget(meta, 'done')) === FLOW_CHUNK, { timeoutMs: 30_000, what: 'the first chunk to be recorded' });
      const epoch = (await redis.hget(keys.meta, 'epoch'))!;
      const gateKey = `${prefix}:${DEFAULT_QUEUE}:${groupJobId(handle.runId, epoch, groupKey)}-gate`;
      expect(await redis.exists(gateKey)).toBe(1);
      doomed.proc.signal('SIGKILL');
      await doomed.proc.waitForExit();
      const rescuer = await spawnWorker(sharedRedis(), prefix, [...FAST_RECOVERY, '--worker-id', 'rescuer'], { tasks: [TASKS] });

      // A rescuer that left the second chunk out would wait for the gate's delay (ten minutes).
      const { output } = await settlesWithin(handle.result(), 45_000, 'the rescued run (the group needs its second chunk and the gate removed)');
      expect(output).toEqual({ sum: (n * (n - 1)) / 2, parts: n });
      expect(await redis.hmget(meta, 'total', 'done', 'ok', 'fail', 'decided')).toEqual([String(n), String(n), String(n), '0', 'succeeded']);
      expect(await redis.exists(gateKey)).toBe(0);
      // The second chunk ran once; a branch of the first ran again only if the kill caught its job
      // between its record and its completion (at-least-once), and was still counted once above.
      const executions = (await redis.lrangeBuffer(keys.channel('executions'), 0, -1)).map((b) => decodeValue(b) as string);
      const times = (id: string) => executions.filter((e) => e === id).length;
      for (let i = 0; i < n; i++) expect([i, times(`w${i}`) >= 1 && (i < FLOW_CHUNK || times(`w${i}`) === 1)]).toEqual([i, true]);
      rescuer.proc.signal('SIGTERM');
      await rescuer.proc.waitForExit();
    } finally {
      await submitter.close();
    }
  }, 90_000);
});
