import { definePolicy, InvalidOptionError, parallel, resolveClientOptions, resolveRunOptions, resolveTaskOptions, task, type GroupExecutionOptions } from '@graflow/core';
import { backoffDelayMs } from '../src/options/task-options';

const a = task('opt-a', () => 'a');
const b = task('opt-b', () => 'b');
const group = () => parallel(a, b).named('g');

function refusal(fn: () => unknown): InvalidOptionError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidOptionError);
  return caught as InvalidOptionError;
}

// Each refusal is an InvalidOptionError naming the option and the value it got.
describe('option checks', () => {
  test.each<[string, GroupExecutionOptions | unknown, string, string]>([
    ['atLeast 0: a group that needs no branch', { policy: { atLeast: 0 } }, "group('g').withExecution.policy.atLeast", "got 0, expected an integer >= 1 (for no minimum, use 'best_effort')"],
    ['atLeast with critical', { policy: { atLeast: 1, critical: ['opt-a'] } }, "group('g').withExecution.policy.critical", 'got ["opt-a"]'],
    ['an empty critical list', { policy: { critical: [] } }, "group('g').withExecution.policy.critical", "got [], expected at least one branch id (for none, use 'best_effort')"],
    ['a critical id that is not a string', { policy: { critical: ['opt-a', 3] } }, "group('g').withExecution.policy.critical", 'an array of branch ids'],
    ['a timeout longer than a timer can wait', { timeoutMs: 2 ** 31 }, "group('g').withExecution.timeoutMs", 'got 2147483648, expected an integer from 1 to 2147483647'],
    ['concurrency on a distributed group', { backend: 'redis', concurrency: 2 }, "group('g').withExecution.concurrency", "nothing when backend is 'redis'"],
    ['a misspelled option', { timeout: 5 }, "group('g').withExecution.timeout", 'one of backend, policy, timeoutMs, concurrency'],
    ['options that are not an object', 5, "group('g').withExecution", 'an object of options'],
  ])('a group: %s', (_label, options, option, message) => {
    const err = refusal(() => group().withExecution(options as GroupExecutionOptions));
    expect(err.option).toBe(option);
    expect(err.message).toContain(message);
  });

  test('a group keeps the policies and limits it can honour', () => {
    expect(group().withExecution({ policy: { atLeast: 1 }, timeoutMs: 2 ** 31 - 1, concurrency: 1 }).execution).toEqual({ policy: { atLeast: 1 }, timeoutMs: 2 ** 31 - 1, concurrency: 1 });
    expect(group().withExecution({ policy: { critical: ['opt-a', 'opt-a'] } }).execution.policy).toEqual({ critical: ['opt-a'] });
  });

  test.each<[string, unknown, string, string]>([
    ['a misspelled retries field', { retries: { attempts: 2, backof: {} } }, "task('t').retries.backof", 'one of attempts, backoff'],
    ['a misspelled backoff field', { retries: { attempts: 2, backoff: { type: 'fixed', delay: 5 } } }, "task('t').retries.backoff.delay", 'one of type, delayMs'],
    ['a backoff that is not an object', { retries: { attempts: 2, backoff: 'fixed' } }, "task('t').retries.backoff", "{ type: 'fixed' | 'exponential', delayMs }"],
    ['a missing attempts', { retries: {} }, "task('t').retries.attempts", 'got undefined, expected an integer >= 1'],
    ['a timeout past the timer limit', { timeoutMs: 3e9 }, "task('t').timeoutMs", 'an integer from 1 to 2147483647'],
    ['a backoff delay past the timer limit', { retries: { attempts: 2, backoff: { type: 'fixed', delayMs: 3e9 } } }, "task('t').retries.backoff.delayMs", 'an integer from 0 to 2147483647'],
    ['options that are not an object', 3, "task('t', fn, options)", 'an object of options'],
  ])('a task: %s', (_label, options, option, message) => {
    const err = refusal(() => resolveTaskOptions('t', options as never));
    expect(err.option).toBe(option);
    expect(err.message).toContain(message);
  });

  test('an exponential backoff never asks a timer for more than it can wait', () => {
    const spec = resolveTaskOptions('t', { retries: { attempts: 60, backoff: { type: 'exponential', delayMs: 1_000 } } });
    expect(backoffDelayMs(spec, 3)).toBe(2_000);
    expect(backoffDelayMs(spec, 50)).toBe(2 ** 31 - 1);
  });

  test.each<[string, unknown, string, string]>([
    ['maxPayloadBytes over what Redis can store', { maxPayloadBytes: 513 * 1024 * 1024 }, 'maxPayloadBytes', 'an integer from 1 to 536870912'],
    ['a startNode that is not an id', { startNode: 7 }, 'startNode', 'a node id'],
    ['options that are not an object', 'fast', 'options', 'an object of options'],
    ['a connect timeout past the timer limit', { connectTimeoutMs: 2 ** 31 }, 'connectTimeoutMs', 'an integer from 1 to 2147483647'],
  ])('a run: %s', (_label, options, option, message) => {
    const err = refusal(() => resolveRunOptions(options as never));
    expect(err.option).toBe(option);
    expect(err.message).toContain(message);
  });

  test('a client: an outage wait past the timer limit', () => {
    expect(refusal(() => resolveClientOptions({ redisUnavailableTimeoutMs: 2 ** 31 })).option).toBe('options.redisUnavailableTimeoutMs');
  });

  test('definePolicy needs a name and a decide function', () => {
    expect(refusal(() => definePolicy('', () => 'pending')).option).toBe('definePolicy(name)');
    expect(refusal(() => definePolicy('p', 'strict' as never)).option).toBe("definePolicy('p', decide)");
  });
});
