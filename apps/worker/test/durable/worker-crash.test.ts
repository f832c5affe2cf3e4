import { join } from 'node:path';
import { connect, type GraflowClient } from '@graflow/core';
import { decodeValue, RunKeys } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';
import { killSpawned } from '../fixtures/cli';
import { FAST_RECOVERY, spawnWorker } from '../fixtures/worker';
import * as fx from './fixtures/durable-tasks';

const TASKS = join(__dirname, 'fixtures', 'durable-tasks.js');

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
});
