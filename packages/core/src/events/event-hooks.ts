import { groupKeyOf } from '../distributed/keys';
import type { BranchRunner, GroupExecutor, RunnerHooks, Scope } from '../engine/scope';
import type { GroupNode } from '../graph/types';
import { eventError, type EventSink, type RunEvent, type RunEventBody } from './run-event';

/** Runner hooks that report every task attempt to `sink`, after the hooks already there. */
export function withTaskEvents(sink: EventSink | undefined, hooks: RunnerHooks | undefined, workerId?: string): RunnerHooks | undefined {
  if (!sink) return hooks;
  const worker = workerId === undefined ? {} : { workerId };
  return {
    taskStart(info) {
      hooks?.taskStart?.(info);
      sink.emit({ type: 'task:started', nodeId: info.nodeId, taskId: info.taskId, attempt: info.attempt, ...worker });
    },
    taskEnd(info) {
      hooks?.taskEnd?.(info);
      sink.emit({
        type: 'task:finished', nodeId: info.nodeId, taskId: info.taskId, attempt: info.attempt, ok: info.ok, durationMs: info.durationMs,
        ...worker, ...(info.ok ? {} : { error: eventError(info.error) }),
      });
    },
  };
}

/**
 * Group events for groups whose branches run in this process (the in-process backend, or a
 * `backend: 'local'` group). Distributed groups report theirs from the barrier's scripts.
 */
export function withGroupEvents(executor: GroupExecutor, sink: EventSink | undefined): GroupExecutor {
  if (!sink) return executor;
  return {
    async executeGroup(group: GroupNode, scope: Scope, runBranch: BranchRunner): Promise<Record<string, unknown>> {
      const counts = { groupId: group.id, groupKey: groupKeyOf(scope.path), total: group.members.length, done: 0, ok: 0, failed: 0 };
      let decided = false;
      sink.emit({ type: 'group:dispatched', ...counts });
      const counted: BranchRunner = async (memberId, branchScope) => {
        const count = (ok: boolean) => {
          if (decided) return;
          counts.done++;
          if (ok) counts.ok++;
          else counts.failed++;
          sink.emit({ type: 'group:progress', ...counts });
        };
        try {
          const value = await runBranch(memberId, branchScope);
          count(true);
          return value;
        } catch (err) {
          count(false);
          throw err;
        }
      };
      try {
        const values = await executor.executeGroup(group, scope, counted);
        decided = true;
        sink.emit({ type: 'group:decided', ...counts, decision: 'succeeded' });
        return values;
      } catch (err) {
        decided = true;
        const reason = (err as { code?: unknown }).code === 'GROUP_TIMEOUT' ? 'timeout' : undefined;
        sink.emit({ type: 'group:decided', ...counts, decision: 'failed', ...(reason ? { reason } : {}) });
        throw err;
      }
    },
  };
}

/** In-process events: numbered here, timed by this process, handed to `onEvent` as they happen. */
export class CallbackSink implements EventSink {
  private seq = 0;

  constructor(
    private readonly runId: string,
    private readonly onEvent: (event: RunEvent) => void,
  ) {}

  emit(body: RunEventBody): void {
    const event = { ...body, id: String(++this.seq), at: Date.now(), runId: this.runId } as RunEvent;
    deliver(this.onEvent, event);
  }
}

/** An observer's exception must not change the run it observes. */
export function deliver(onEvent: (event: RunEvent) => void, event: RunEvent): void {
  try {
    onEvent(event);
  } catch {
    // ignored by design: events are observations (see RunOptions.onEvent)
  }
}
