import { GroupTimeoutError, NoWorkerActivityError, ParallelGroupError, RemoteError, WorkflowCancelledError } from '@graflow/core';
import { decodeValue, errorSummary, remoteError } from '@graflow/core/redis';
import { encodeErrorSummary } from '../../../../packages/core/src/distributed/outcomes';

/** What crosses Redis, and what the other side rebuilds from it. */
const roundTrip = (err: unknown) => remoteError(decodeValue(encodeErrorSummary(err, 'error summary', 16 * 1024 * 1024)));

function thrownIn(name: string): Error {
  const holder = { [name]: () => new Error(`from ${name}`) };
  return holder[name]!();
}

describe('error summaries across processes', () => {
  test('an Error keeps name, message and code, and its stack becomes the cause of the rebuilt error', () => {
    const original = Object.assign(thrownIn('deepInsideTheTask'), { code: 'E_TASK' });
    original.name = 'TypeError';
    const rebuilt = roundTrip(original);
    expect(rebuilt).toBeInstanceOf(Error);
    expect(rebuilt).toMatchObject({ name: 'TypeError', message: 'from deepInsideTheTask', code: 'E_TASK' });
    expect(rebuilt.cause).toBeInstanceOf(RemoteError);
    expect((rebuilt.cause as RemoteError).stack).toBe(original.stack);
    expect((rebuilt.cause as RemoteError).stack).toContain('deepInsideTheTask');
  });

  test('our errors come back as their class with their fields; the origin stack survives a second hop', () => {
    const branch = thrownIn('branchTask');
    const group = new ParallelGroupError('g', [{ taskId: 'b1', error: branch }], ['b2'], 'strict');
    const once = roundTrip(group);
    const twice = roundTrip(once) as ParallelGroupError;
    expect(twice).toBeInstanceOf(ParallelGroupError);
    expect(twice).toMatchObject({ groupId: 'g', succeeded: ['b2'], message: group.message, code: 'PARALLEL_GROUP_FAILED' });
    expect(twice.failed[0]!.taskId).toBe('b1');
    expect((twice.failed[0]!.error.cause as RemoteError).stack).toBe(branch.stack);
    expect((twice.cause as RemoteError).stack).toBe(group.stack);

    expect(roundTrip(new GroupTimeoutError('g', 50, ['a']))).toMatchObject({ groupId: 'g', timeoutMs: 50, pending: ['a'] });
    expect(roundTrip(new GroupTimeoutError('g', 50, ['a']))).toBeInstanceOf(GroupTimeoutError);
    expect(roundTrip(new WorkflowCancelledError('why'))).toMatchObject({ reason: 'why', message: 'workflow cancelled: why' });
    const observation = { groupId: 'g', keyPrefix: 'p', queue: 'tasks', waitedMs: 10 };
    expect(roundTrip(new NoWorkerActivityError(observation))).toMatchObject({ observation, queue: 'tasks' });
  });

  test('a summary stays bounded: long stacks are cut, many failures keep their stacks only for the first few', () => {
    const long = new Error('long');
    long.stack = `Error: long\n${'    at frame (file.js:1:1)\n'.repeat(2_000)}`;
    expect(errorSummary(long).stack!.length).toBeLessThan(4_100);
    expect(errorSummary(long).stack).toMatch(/… \(stack truncated\)$/);
    const failed = Array.from({ length: 50 }, (_, i) => ({ taskId: `b${i}`, error: new Error(`e${i}`) }));
    const summary = errorSummary(new ParallelGroupError('wide', failed, []));
    expect(summary.failed).toHaveLength(50);
    expect(summary.failed!.filter((f) => f.error.stack)).toHaveLength(10);
  });

  test('under a small payload limit the summary drops stacks and fields instead of failing to record', () => {
    const err = new ParallelGroupError('g', [{ taskId: 'b', error: thrownIn('t') }], []);
    const bytes = encodeErrorSummary(err, 'error summary', 300);
    expect(bytes.length).toBeLessThanOrEqual(300);
    const rebuilt = remoteError(decodeValue(bytes)) as ParallelGroupError;
    expect(rebuilt).toBeInstanceOf(ParallelGroupError);
    expect(rebuilt.failed[0]!.error.message).toBe('from t');
    expect(rebuilt.cause).toBeUndefined();
  });
});
