import { connect, getRun, type GraflowClient, type RunEvent } from '@graflow/core';
import { DEFAULT_QUEUE, groupJobId, groupKeyOf, RunKeys } from '@graflow/core/redis';
import { sharedRedis } from '@graflow/testing';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { withWorkers } from '../distributed/redis-harness';
import * as fx from './fixtures/durable-tasks';

/** An event as a short line, for readable failures: `task:finished left`, `group:progress fan 1/2`. */
function line(e: RunEvent): string {
  switch (e.type) {
    case 'task:started':
    case 'task:finished':
      return `${e.type} ${e.nodeId}`;
    case 'group:dispatched':
    case 'group:progress':
    case 'group:decided':
      return `${e.type} ${e.groupId} ${e.done}/${e.total}`;
    default:
      return e.type;
  }
}

/**
 * The run of `chainWithGroup`: first, the group fan (left | right), then total. Branches run
 * concurrently, so their events interleave; everything else has one order.
 */
function expectChainWithGroup(events: RunEvent[]): void {
  const lines = events.map(line);
  const at = (l: string) => {
    const i = lines.indexOf(l);
    if (i < 0) throw new Error(`no '${l}' in:\n${lines.join('\n')}`);
    return i;
  };
  expect([...lines].sort()).toEqual([
    'group:decided fan 2/2', 'group:dispatched fan 0/2', 'group:progress fan 1/2', 'group:progress fan 2/2',
    'run:finished', 'run:started',
    'task:finished first', 'task:finished left', 'task:finished right', 'task:finished total',
    'task:started first', 'task:started left', 'task:started right', 'task:started total',
  ]);
  expect(lines[0]).toBe('run:started');
  expect(lines.at(-1)).toBe('run:finished');
  expect(events.at(-1)).toMatchObject({ type: 'run:finished', status: 'succeeded' });
  expect(at('task:started first')).toBeLessThan(at('task:finished first'));
  expect(at('task:finished first')).toBeLessThan(at('group:dispatched fan 0/2'));
  for (const branch of ['left', 'right']) {
    expect(at('group:dispatched fan 0/2')).toBeLessThan(at(`task:started ${branch}`));
    expect(at(`task:started ${branch}`)).toBeLessThan(at(`task:finished ${branch}`));
    // A branch is counted after it finished: its task:finished precedes the progress it causes.
    expect(at(`task:finished ${branch}`)).toBeLessThan(at('group:progress fan 2/2'));
  }
  expect(Math.min(at('task:finished left'), at('task:finished right'))).toBeLessThan(at('group:progress fan 1/2'));
  expect(at('group:progress fan 1/2')).toBeLessThan(at('group:progress fan 2/2'));
  expect(at('group:progress fan 2/2')).toBeLessThan(at('group:decided fan 2/2'));
  expect(events.find((e) => e.type === 'group:decided')).toMatchObject({ decision: 'succeeded', ok: 2, failed: 0 });
  expect(at('group:decided fan 2/2')).toBeLessThan(at('task:started total'));
  expect(at('task:started total')).toBeLessThan(at('task:finished total'));
  // Positions increase; times never go back.
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
    expect(events[i]!.id).not.toBe(events[i - 1]!.id);
  }
}

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('progress events', () => {
  let h: Awaited<ReturnType<typeof withWorkers>>;
  let client: GraflowClient;
  const redis = new IORedis(sharedRedis());
  beforeAll(async () => {
    h = await withWorkers('durable-events', 2);
    client = await connect({ ...sharedRedis(), keyPrefix: h.prefix });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
    redis.disconnect();
  });

  /** The BullMQ progress of a run's group job (`fan`, first visit). */
  async function groupProgress(runId: string): Promise<unknown> {
    const epoch = await redis.hget(new RunKeys(h.prefix, runId).meta, 'epoch');
    const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix: h.prefix });
    try {
      return (await queue.getJob(groupJobId(runId, epoch!, groupKeyOf('/fan@1'))))?.progress;
    } finally {
      await queue.close();
    }
  }

  test('events() of a submitted run, read after it ended, replays every event in order; a live reader sees the same', async () => {
    const handle = await fx.chainWithGroup('events-submit').submit({ client });
    const live = collect(handle.events());
    const { output } = await handle.result();
    expect(output).toEqual({ sum: 6, parts: 3 });
    const late = await collect(getRun(handle.runId, { client }).events());
    expectChainWithGroup(late);
    expect(await live).toEqual(late);
    // Every event of the run names it; workers name themselves.
    expect(late.every((e) => e.runId === handle.runId)).toBe(true);
    const workerIds = h.workers.map((w) => w.workerId);
    for (const e of late) {
      if (e.type === 'task:started' || e.type === 'run:started') expect(workerIds).toContain(e.workerId);
    }
    // Bull Board shows the group's progress from its job.
    expect(await groupProgress(handle.runId)).toEqual({ done: 2, total: 2 });
  });

  test('run() with onEvent on workers delivers the same events before it resolves', async () => {
    const seen: RunEvent[] = [];
    const { runId } = await fx.chainWithGroup('events-run').run({ client, onEvent: (e) => seen.push(e) });
    expectChainWithGroup(seen);
    expect(seen.every((e) => e.runId === runId)).toBe(true);
    // The producer ran the sequence; workers ran the branches.
    expect(seen.find((e) => e.type === 'task:started' && e.nodeId === 'first')).not.toHaveProperty('workerId');
    expect(h.workers.map((w) => w.workerId)).toContain((seen.find((e) => e.type === 'task:started' && e.nodeId === 'left') as { workerId?: string }).workerId);
  });

  test('run() with onEvent in-process delivers the same events, and an observer that throws changes nothing', async () => {
    const seen: RunEvent[] = [];
    const { output } = await fx.chainWithGroup('events-memory').run({
      onEvent: (e) => {
        seen.push(e);
        throw new Error('observer bug');
      },
    });
    expect(output).toEqual({ sum: 6, parts: 3 });
    expectChainWithGroup(seen);
  });

  test('a run without onEvent keeps no events (no stream, no job progress), and getRun().events() of it just ends with the run', async () => {
    const { runId } = await fx.chainWithGroup('events-off').run({ client });
    expect(await collect(getRun(runId, { client }).events())).toEqual([]);
    expect(await redis.exists(new RunKeys(h.prefix, runId).events)).toBe(0);
    expect(await groupProgress(runId)).toBe(0);
  });
});
