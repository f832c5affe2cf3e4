import {
  chain, connect, ParallelGroupError, RemoteError, TaskTimeoutError, task, workflow, type GraflowClient,
} from '@graflow/core';
import { sharedRedis } from '@graflow/testing';
import { withWorkers } from '../distributed/redis-harness';
import * as fx from './fixtures/durable-tasks';

// Where the fixture's tasks throw: a named function in the tasks file.
const THROW_SITE = /at explode \(.*durable-tasks\.js:\d+:\d+\)/;

const slow = task('durable.slow-timeout', async (ctx) => {
  await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
  return ctx.taskId;
}, { timeoutMs: 50 });

let h: Awaited<ReturnType<typeof withWorkers>>;
let client: GraflowClient;
const logged: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
beforeAll(async () => {
  const capture = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void logged.push({ level, msg, fields });
  h = await withWorkers('durable-errors', 1, { logger: { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') } });
  client = await connect({ ...sharedRedis(), keyPrefix: h.prefix });
});
afterAll(async () => {
  await client.close();
  await h.close();
});

function expectTaskStack(err: unknown): void {
  const cause = (err as Error).cause;
  expect(cause).toBeInstanceOf(RemoteError);
  expect((cause as RemoteError).stack).toMatch(/^Error: boom from bad\n/);
  expect((cause as RemoteError).stack).toMatch(THROW_SITE);
}

describe('errors from workers keep their class, their fields and the task\'s own stack', () => {
  test('result() of a submitted run: a ParallelGroupError with its failed list, each failure with the stack where the task threw', async () => {
    const handle = await fx.failingGroup('errors-submit').submit({ client });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParallelGroupError);
    const group = err as ParallelGroupError;
    expect(group.message).toBe("parallel group 'mixed' failed (strict): 1 failed [bad: boom from bad], 0 succeeded");
    expect(group).toMatchObject({ name: 'ParallelGroupError', code: 'PARALLEL_GROUP_FAILED', groupId: 'mixed' });
    expect(group.failed.map((f) => f.taskId)).toEqual(['bad']);
    expect(group.failed[0]!.error.message).toBe('boom from bad');
    expectTaskStack(group.failed[0]!.error);
    expect(await handle.status()).toBe('failed');
  });

  test('run() on workers: the producer\'s ParallelGroupError carries each branch\'s remote stack', async () => {
    const err = await fx.failingGroup('errors-run').run({ client }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParallelGroupError);
    expectTaskStack((err as ParallelGroupError).failed[0]!.error);
  });

  test('an error of our own in the root sequence comes back as its class, with its fields', async () => {
    const wf = workflow('errors-timeout', () => chain(fx.step.bind({ value: 1 }, { id: 'first' }), slow));
    const err = await (await wf.submit({ client })).result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect(err).toMatchObject({ taskId: 'durable.slow-timeout', timeoutMs: 50, message: "task 'durable.slow-timeout' timed out after 50 ms" });
    expect((err as Error).cause).toBeInstanceOf(RemoteError);
    expect(((err as Error).cause as Error).stack).toMatch(/^TaskTimeoutError: task 'durable.slow-timeout' timed out/);
  });

  test('the worker\'s log line of a failed branch includes where the task threw, bounded', async () => {
    await fx.failingGroup('errors-log').run({ client }).catch(() => undefined);
    const line = logged.find((l) => l.msg === 'branch failed' && l.fields.taskId === 'bad');
    expect(line?.fields.error).toBe('boom from bad');
    expect(line?.fields.stack).toMatch(/^Error: boom from bad\n/);
    expect(line?.fields.stack).toMatch(THROW_SITE);
    expect(String(line?.fields.stack).split('\n').length).toBeLessThanOrEqual(12);
    // A failed submitted run is logged with the first failed branch's stack.
    await (await fx.failingGroup('errors-run-log').submit({ client })).result().catch(() => undefined);
    const run = logged.find((l) => l.msg === 'run failed' && l.fields.workflow === 'errors-run-log');
    expect(run?.fields.error).toMatch(/^ParallelGroupError: parallel group 'mixed' failed/);
    expect(run?.fields.stack).toMatch(THROW_SITE);
  });
});
