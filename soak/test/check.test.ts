import { ParallelGroupError } from '@graflow/core';
import { compareRuns, errorShape, type Settled } from '../src/check';
import { resolveSoakOptions } from '../src/options';
import { SoakFailure } from '../src/tasks';

// The soak is only as good as its verdicts: these show that each kind of difference is caught.
const ok = (output: unknown, results: Record<string, unknown>): Settled => ({ ok: true, output, results });
const failed = (error: unknown): Settled => ({ ok: false, error });
const groupError = (failedIds: string[], succeeded: string[]) =>
  new ParallelGroupError('g', failedIds.map((taskId) => ({ taskId, error: new SoakFailure(`${taskId} fails by design (doomed-run)`) })), succeeded, 'strict');

describe('compareRuns', () => {
  test('a run with the same output and results is correct; Map, Date and BigInt compare by value', () => {
    const value = () => ({ at: new Date(5), tags: new Map([['k', 1]]), big: 2n ** 70n });
    expect(compareRuns(false, ok(value(), { a: value() }), ok(value(), { a: value() }))).toBeUndefined();
  });

  test('a different output, a different result or a missing result is wrong, and named', () => {
    expect(compareRuns(false, ok(1, { a: 1 }), ok(2, { a: 1 }))).toMatch(/^output: expected 1, got 2/);
    expect(compareRuns(false, ok(1, { a: 1, b: 2 }), ok(1, { a: 1, b: 3 }))).toMatch(/results\['b'\]: expected 2, got 3/);
    expect(compareRuns(false, ok(1, { a: 1, b: 2 }), ok(1, { a: 1 }))).toMatch(/results\['b'\]: expected 2, got undefined/);
    expect(compareRuns(false, ok(1, {}), failed(new Error('boom')))).toMatch(/expected success, got .*boom/);
  });

  test('a failure must be the same class, group and failed branches; the succeeded count is timing', () => {
    expect(compareRuns(true, failed(groupError(['x'], ['a'])), failed(groupError(['x'], ['a', 'b', 'c'])))).toBeUndefined();
    expect(compareRuns(true, failed(groupError(['x'], [])), failed(groupError(['y'], [])))).toMatch(/expected failure/);
    expect(compareRuns(true, failed(groupError(['x'], [])), failed(groupError(['x', 'y'], [])))).toMatch(/expected failure/);
    expect(compareRuns(true, failed(groupError(['x'], [])), failed(new SoakFailure('x fails by design (doomed-run)')))).toMatch(/expected failure/);
    expect(compareRuns(true, failed(groupError(['x'], [])), ok(1, {}))).toMatch(/got success/);
  });

  test('a reference that contradicts the design is reported, so a broken soak cannot pass silently', () => {
    expect(compareRuns(true, ok(1, {}), ok(1, {}))).toMatch(/reference succeeded but the run was designed to fail/);
    expect(compareRuns(false, failed(new Error('x')), failed(new Error('x')))).toMatch(/reference failed but the run was designed to succeed/);
  });

  test('a nested group failure keeps its inner failures but not its succeeded counts', () => {
    const inner = new Error("parallel group 'in' failed (strict): 1 failed [x: boom], 3 succeeded");
    inner.name = 'ParallelGroupError';
    const shape = errorShape(new ParallelGroupError('out', [{ taskId: 'in', error: inner }], []));
    expect(shape.failed).toEqual([{ taskId: 'in', name: 'ParallelGroupError', message: "parallel group 'in' failed (strict): 1 failed [x: boom], N succeeded" }]);
  });
});

describe('resolveSoakOptions', () => {
  test('defaults, and a variable wins over the default', () => {
    expect(resolveSoakOptions({ SOAK_RUNS: '50' })).toMatchObject({ runs: 50, concurrency: 5, workers: 3, redisRestartAfterRuns: 20, runDeadlineMs: 60_000 });
  });

  test('a bad value or an unknown variable is named with its value', () => {
    expect(() => resolveSoakOptions({ SOAK_CONCURRENCY: 'two' })).toThrow("SOAK_CONCURRENCY must be an integer >= 1, got 'two'");
    expect(() => resolveSoakOptions({ SOAK_KILL_INTERVAL_MS: '10' })).toThrow("SOAK_KILL_INTERVAL_MS must be 0 (no kills) or >= 500, got '10'");
    expect(() => resolveSoakOptions({ SOAK_RUN: '5' })).toThrow(/unknown variable SOAK_RUN; known: SOAK_RUNS/);
  });
});
