import { CancelRegistry } from '../src/distributed/cancel';
import { cancelKey, runCancelKey } from '../src/distributed/keys';
import { ProcessorContext } from '../src/distributed/processor-context';
import type { RedisRuntime } from '../src/distributed/redis-runtime';

/** The controller a worker's branches share per group instance (see `branchController`). */
describe('branch controllers shared per group instance', () => {
  const make = () => {
    const cancels = new CancelRegistry();
    const shutdown = new AbortController();
    // branchController touches no Redis: cancels and the shutdown signal only.
    const ctx = new ProcessorContext({ runtime: undefined as unknown as RedisRuntime, cancels, shutdownSignal: shutdown.signal });
    return { ctx, cancels, shutdown };
  };
  const groupA = [cancelKey('run-1', 'ga')];
  const groupB = [cancelKey('run-1', 'gb')];
  const otherRun = [cancelKey('run-2', 'ga')];

  test('branches of one group share one; another group or run gets its own, and a cancel reaches only its group', () => {
    const { ctx, cancels } = make();
    const a1 = ctx.branchController(groupA, 'run-1');
    const a2 = ctx.branchController(groupA, 'run-1');
    const b = ctx.branchController(groupB, 'run-1');
    const other = ctx.branchController(otherRun, 'run-2');
    expect(a1.controller).toBe(a2.controller);
    expect(b.controller).not.toBe(a1.controller);
    expect(other.controller).not.toBe(a1.controller);
    expect(cancels.cancel(cancelKey('run-1', 'ga'))).toBe(1);
    expect(a1.controller.signal.aborted).toBe(true);
    expect(b.controller.signal.aborted).toBe(false);
    expect(other.controller.signal.aborted).toBe(false);
    // A run-wide cancel reaches every group of that run, and no other run.
    cancels.cancel(runCancelKey('run-1'), 'stop');
    expect(b.controller.signal.aborted).toBe(true);
    expect(other.controller.signal.aborted).toBe(false);
  });

  test('the last release unregisters it: nothing is left behind, and the next branch gets a fresh one', () => {
    const { ctx, cancels } = make();
    const first = ctx.branchController(groupA, 'run-1');
    const second = ctx.branchController(groupA, 'run-1');
    first.release();
    first.release(); // twice is once
    expect(cancels.cancel(cancelKey('run-1', 'ga'))).toBe(1);
    second.release();
    expect(cancels.cancel(cancelKey('run-1', 'ga'))).toBe(0);
    expect(cancels.cancel(runCancelKey('run-1'))).toBe(0);
    const next = ctx.branchController(groupA, 'run-1');
    expect(next.controller).not.toBe(first.controller);
    expect(next.controller.signal.aborted).toBe(false);
    next.release();
  });

  test('the shutdown deadline aborts every group with its reason; a released controller is not held for it', () => {
    const { ctx, shutdown } = make();
    const held = ctx.branchController(groupA, 'run-1');
    const released = ctx.branchController(groupB, 'run-1');
    released.release();
    shutdown.abort(new Error('deadline'));
    expect(held.controller.signal.reason).toEqual(new Error('deadline'));
    expect(ctx.cancelled(held.controller)).toBe(false);
    expect(released.controller.signal.aborted).toBe(false);
    held.release();
  });
});
