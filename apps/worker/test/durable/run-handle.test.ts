import {
  connect, getRun, GraflowConnectionError, InvalidOptionError, RunHandleClosedError, RunIdInUseError, RunNotFoundError, type GraflowClient, type RunEvent,
} from '@graflow/core';
import { sharedRedis, startRedisServer, uniquePrefix, waitFor } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import { runChannel } from '@graflow/core/redis';
import IORedis from 'ioredis';
import * as fx from './fixtures/durable-tasks';

const redis = new IORedis(sharedRedis());
const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  redis.disconnect();
});

async function client(prefix: string): Promise<GraflowClient> {
  const c = await connect({ ...sharedRedis(), keyPrefix: prefix });
  stops.push(() => c.close());
  return c;
}

async function worker(prefix: string): Promise<TaskWorker> {
  const w = new TaskWorker({ workerId: `${prefix}-w`, redis: sharedRedis(), keyPrefix: prefix, concurrency: 4 });
  await w.start();
  stops.push(() => w.stop({ timeoutMs: 2_000 }));
  return w;
}

describe('RunHandle', () => {
  // First: closing connections to a stopped Redis lingers ~2 s in ioredis, which the later tests outlast.
  test('a result() waiting while Redis stays away ends with GraflowConnectionError after redisUnavailableTimeoutMs', async () => {
    const server = await startRedisServer();
    try {
      const prefix = uniquePrefix('durable-outage');
      const config = { host: server.host, port: server.port, keyPrefix: prefix };
      // No worker: the run stays queued, and result() waits on it.
      const handle = await fx.chainWithGroup('outage').submit({ config });
      const follower = getRun(handle.runId, { config, redisUnavailableTimeoutMs: 500 });
      expect(await follower.status()).toBe('queued');
      const waiting = follower.result().catch((e: unknown) => e);
      const events = (async () => {
        for await (const _ of follower.events()) {
          // the run never starts: nothing to see
        }
      })().catch((e: unknown) => e);
      // Both waits follow the run's channel before Redis goes.
      const probe = new IORedis({ host: server.host, port: server.port });
      await waitFor(async () => ((await probe.pubsub('NUMSUB', runChannel(prefix, handle.runId))) as [string, number])[1] === 2, { what: 'both waits to subscribe' });
      probe.disconnect();
      await server.stop();
      const err = await waiting;
      expect(err).toBeInstanceOf(GraflowConnectionError);
      expect((err as Error).message).toContain(`Redis at ${server.host}:${server.port} (key prefix '${prefix}') was unreachable for 500 ms`);
      expect(await events).toBeInstanceOf(GraflowConnectionError);
    } finally {
      await server.stop();
    }
  });

  test('status goes queued, running, succeeded; a handle from getRun() with only a config follows it too', async () => {
    const prefix = uniquePrefix('durable-status');
    const handle = await fx.chainWithGroup('status', 1_500).submit({ client: await client(prefix) });
    // No worker yet: the run waits in its queue.
    expect(await handle.status()).toBe('queued');
    const other = getRun(handle.runId, { config: { ...sharedRedis(), keyPrefix: prefix } });
    expect(await other.status()).toBe('queued');
    await worker(prefix);
    await waitFor(async () => (await other.status()) === 'running', { what: 'the run to start' });
    const [mine, theirs] = await Promise.all([handle.result(), other.result()]);
    expect(theirs).toEqual(mine);
    expect(mine.output).toEqual({ sum: 6, parts: 3 });
    expect(await other.status()).toBe('succeeded');
  });

  test('an unknown run id is a RunNotFoundError naming the id and the prefix, for every method', async () => {
    const prefix = uniquePrefix('durable-unknown');
    const handle = getRun('no-such-run', { client: await client(prefix) });
    const message = `no run 'no-such-run' under key prefix '${prefix}': it was never started there, or it ended more than runTtlSeconds ago and its keys expired`;
    await expect(handle.status()).rejects.toThrow(message);
    await expect(handle.result()).rejects.toThrow(RunNotFoundError);
    await expect(handle.cancel()).rejects.toThrow(RunNotFoundError);
    await expect((async () => {
      for await (const _ of handle.events()) return;
    })()).rejects.toThrow(RunNotFoundError);
  });

  test('status, output and results stay readable for runTtlSeconds after the end; then every key of the run is gone', async () => {
    const prefix = uniquePrefix('durable-ttl');
    await worker(prefix);
    const c = await client(prefix);
    const handle = await fx.chainWithGroup('ttl').submit({ client: c, runTtlSeconds: 2 });
    const ended = await handle.result();
    const runKeys = () => redis.keys(`${prefix}:run:${handle.runId}:*`);
    expect((await runKeys()).length).toBeGreaterThan(0);
    for (const key of await runKeys()) expect(await redis.ttl(key)).toBeGreaterThan(0);
    expect(await getRun(handle.runId, { client: c }).result()).toEqual(ended);
    await waitFor(async () => (await runKeys()).length === 0, { timeoutMs: 10_000, what: 'every key of the run to expire' });
    await expect(handle.status()).rejects.toThrow(RunNotFoundError);
  });

  test('close() ends a pending result() with RunHandleClosedError and a pending events() quietly; the run goes on', async () => {
    const prefix = uniquePrefix('durable-close');
    const c = await client(prefix);
    const handle = await fx.chainWithGroup('close').submit({ client: c });
    const pending = handle.result().catch((e: unknown) => e);
    const seen: RunEvent[] = [];
    const reading = (async () => {
      for await (const e of handle.events()) seen.push(e);
    })();
    await handle.close();
    expect(await pending).toBeInstanceOf(RunHandleClosedError);
    await reading;
    expect(seen).toEqual([]);
    await expect(handle.result()).rejects.toThrow(RunHandleClosedError);
    // The run itself is untouched: a worker runs it, and a new handle gets its result.
    await worker(prefix);
    expect((await getRun(handle.runId, { client: c }).result()).output).toEqual({ sum: 6, parts: 3 });
  });

  test('submit() and getRun() refuse bad input with errors naming the option', async () => {
    const prefix = uniquePrefix('durable-options');
    const c = await client(prefix);
    const wf = fx.chainWithGroup('options');
    await expect(wf.submit({ client: c, onEvent: () => undefined } as never)).rejects.toThrow("invalid option onEvent");
    await expect(wf.submit({ client: c, queueBackend: 'memory' })).rejects.toThrow(InvalidOptionError);
    await expect(wf.submit({ client: c, startNode: 'nope' })).rejects.toThrow("start node 'nope' does not exist in workflow 'options'");
    await wf.submit({ client: c, runId: 'taken-1' });
    await expect(wf.submit({ client: c, runId: 'taken-1' })).rejects.toThrow(RunIdInUseError);
    expect(() => getRun('bad id!')).toThrow(InvalidOptionError);
    expect(() => getRun('ok', { client: c, timeoutMs: 5 } as never)).toThrow('invalid option timeoutMs');
  });
});
