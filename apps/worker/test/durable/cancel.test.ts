import { join } from 'node:path';
import { connect, getRun, WorkflowCancelledError, type GraflowClient } from '@graflow/core';
import { decodeValue, DEFAULT_QUEUE, RunKeys } from '@graflow/core/redis';
import { sharedRedis, waitFor } from '@graflow/testing';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { CliProcess, killSpawned } from '../fixtures/cli';
import { withWorkers } from '../distributed/redis-harness';
import * as fx from './fixtures/durable-tasks';

const CLI = join(__dirname, 'fixtures', 'durable-cli.js');
const redis = new IORedis(sharedRedis());

let h: Awaited<ReturnType<typeof withWorkers>>;
let client: GraflowClient;
beforeAll(async () => {
  h = await withWorkers('durable-cancel', 1);
  client = await connect({ ...sharedRedis(), keyPrefix: h.prefix });
});
afterAll(async () => {
  await killSpawned();
  await client.close();
  await h.close();
  redis.disconnect();
});

async function channelList(runId: string, name: string): Promise<string[]> {
  return (await redis.lrangeBuffer(new RunKeys(h.prefix, runId).channel(name), 0, -1)).map((b) => decodeValue(b) as string);
}

/** Jobs of the namespace still waiting, running or waiting on children. */
async function jobsLeft(): Promise<number> {
  const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix: h.prefix });
  const counts = await queue.getJobCounts('wait', 'active', 'waiting-children', 'delayed', 'prioritized');
  await queue.close();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe('cancelling a submitted run from any process', () => {
  test('a cancel and its reason are recorded together: a reader never sees one without the other', async () => {
    // A run's job reads the control while cancel() writes it; it used to see the kind a round
    // trip before the reason and ended the run as "workflow cancelled" without it.
    const reader = new IORedis(sharedRedis());
    try {
      for (let i = 0; i < 40; i++) {
        const runId = `control-race-${i}`;
        const key = new RunKeys(h.prefix, runId).control;
        let seen: Record<string, string> = {};
        const poll = (async () => {
          while (!seen.kind) seen = await reader.hgetall(key);
        })();
        await client.runtime.runState(runId, { ttlSeconds: 60, maxPayloadBytes: 1024 }).setControl({ kind: 'cancelled', reason: 'stop' });
        await poll;
        expect(seen).toEqual({ kind: 'cancelled', reason: 'stop' });
      }
    } finally {
      reader.disconnect();
    }
  });

  test('cancel() from a third process ends a running run at once, fires its branches\' signals and leaves no job behind', async () => {
    const handle = await fx.watchers('durable-cancel', 60_000).submit({ client });
    const ended = handle.result().then(
      () => ({ error: undefined, at: Date.now() }),
      (error: unknown) => ({ error, at: Date.now() }),
    );
    await waitFor(async () => (await channelList(handle.runId, 'started')).length === 2, { timeoutMs: 20_000, what: 'both watchers to run' });
    expect(await handle.status()).toBe('running');

    const canceller = new CliProcess(CLI, ['cancel', JSON.stringify({ redis: sharedRedis(), keyPrefix: h.prefix, runId: handle.runId, reason: 'enough' })]);
    const exit = await canceller.waitForExit();
    expect(exit.code).toBe(0);
    const calling = canceller.logs().find((l) => 'calling' in l)?.calling as number;
    expect(canceller.logs().find((l) => 'cancelled' in l)).toMatchObject({ cancelled: true });

    // The run ended as soon as cancel() was called: the watchers had 60 s left to sleep.
    const { error, at } = await ended;
    expect(error).toBeInstanceOf(WorkflowCancelledError);
    expect((error as WorkflowCancelledError).reason).toBe('enough');
    expect((error as Error).message).toBe('workflow cancelled: enough');
    expect(at - calling).toBeLessThan(1_000);
    expect(await handle.status()).toBe('cancelled');
    // Both running branches got their AbortSignal, with the run's cancellation as the reason.
    await waitFor(async () => (await channelList(handle.runId, 'aborted')).length === 2, { timeoutMs: 5_000, what: 'both watchers to see their signal' });
    expect((await channelList(handle.runId, 'aborted')).sort()).toEqual(['watch-a:WorkflowCancelledError', 'watch-b:WorkflowCancelledError']);
    // The run job and the group's jobs all ended; nothing after the group ran.
    await waitFor(async () => (await jobsLeft()) === 0, { timeoutMs: 10_000, what: 'every job of the run to end' });
    expect(await channelList(handle.runId, 'finished')).toEqual([]);
    expect(await channelList(handle.runId, 'executions')).toEqual(['first']);
    // The events tell the same story, ending with the run's cancellation.
    const events = [];
    for await (const e of getRun(handle.runId, { client }).events()) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'run:finished', status: 'cancelled', error: { name: 'WorkflowCancelledError', message: 'workflow cancelled: enough' } });
    expect(events.find((e) => e.type === 'group:decided')).toMatchObject({ groupId: 'watchers', decision: 'failed', reason: 'cancelled' });
  });

  test('a cancel removes the branches still waiting, and touches no other run of the namespace', async () => {
    const other = await fx.chainWithGroup('durable-bystander', 1_500).submit({ client });
    const handle = await fx.waitingBranch('durable-half').submit({ client });
    await waitFor(async () => (await channelList(handle.runId, 'started')).length === 1, { timeoutMs: 20_000, what: 'the watcher to run' });
    const unserved = new Queue('unserved', { connection: redis, prefix: h.prefix });
    try {
      expect(await unserved.getJobCounts('wait')).toEqual({ wait: 1 });
      expect(await handle.cancel()).toBe(true);
      expect(await unserved.getJobCounts('wait')).toEqual({ wait: 0 });
      await expect(handle.result()).rejects.toThrow(WorkflowCancelledError);
      // The other run of the same namespace went on and succeeded.
      expect((await other.result()).output).toEqual({ sum: 6, parts: 3 });
      await waitFor(async () => (await jobsLeft()) === 0, { timeoutMs: 10_000, what: 'every job of both runs to end' });
    } finally {
      await unserved.close();
    }
  });

  test('cancelling a run still queued removes its job; a second cancel, or one after the end, changes nothing', async () => {
    // A prefix no worker serves: the run stays queued.
    const idle = await connect({ ...sharedRedis(), keyPrefix: `${h.prefix}-idle` });
    try {
      const handle = await fx.chainWithGroup('durable-queued').submit({ client: idle });
      expect(await handle.status()).toBe('queued');
      expect(await handle.cancel()).toBe(true);
      expect(await handle.status()).toBe('cancelled');
      await expect(handle.result()).rejects.toThrow(WorkflowCancelledError);
      const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix: `${h.prefix}-idle` });
      expect(await queue.getJobCounts('wait')).toEqual({ wait: 0 });
      await queue.close();
      expect(await handle.cancel('again')).toBe(false);

      const done = await fx.chainWithGroup('durable-done').submit({ client });
      await done.result();
      expect(await done.cancel()).toBe(false);
      expect(await done.status()).toBe('succeeded');
    } finally {
      await idle.close();
    }
  });
});
