import { errorMessage, GraflowError, GroupTimeoutError, ParallelGroupError, type BranchFailure } from '../errors';
import type { GroupNode } from '../graph/types';
import { decidePolicy, describePolicy } from '../policies/policy';
import { linkedController } from '../util/signals';
import { branchScope, type BranchRunner, type GroupExecutor, type Scope } from './scope';

/** Why branches still running get their signal fired when the group is decided. */
export class GroupDecidedError extends GraflowError {
  static override readonly errorName: string = 'GroupDecidedError';

  constructor(readonly groupId: string, reason: string) {
    super('GROUP_DECIDED', `parallel group '${groupId}' was decided (${reason}); branch cancelled`);
  }
}

/**
 * Runs a group's branches as concurrent promises in this process (the embedded default). The
 * policy is applied after every branch outcome, so failure is decided early; success waits for
 * every branch (BSP).
 */
export class LocalGroupExecutor implements GroupExecutor {
  async executeGroup(group: GroupNode, scope: Scope, runBranch: BranchRunner): Promise<Record<string, unknown>> {
    const link = linkedController(scope.signal);
    const abort = link.controller;
    const signal = abort.signal;
    const values: Record<string, unknown> = {};
    const succeeded: string[] = [];
    const failures: BranchFailure[] = [];
    const pending = new Set(group.members);
    const limit = group.concurrency ?? group.members.length;
    let next = 0;

    return await new Promise<Record<string, unknown>>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        scope.signal.removeEventListener('abort', onOuterAbort);
        link.dispose();
        if (error) {
          abort.abort(new GroupDecidedError(group.id, error.message));
          reject(error);
        } else resolve(values);
      };
      const onOuterAbort = () => finish(scope.signal.reason instanceof Error ? scope.signal.reason : new Error(String(scope.signal.reason)));
      scope.signal.addEventListener('abort', onOuterAbort, { once: true });
      if (group.timeoutMs !== undefined) {
        timer = setTimeout(() => finish(new GroupTimeoutError(group.id, group.timeoutMs!, [...pending])), group.timeoutMs);
      }
      const decide = () => {
        const failed = failures.map((f) => f.taskId);
        const decision = decidePolicy(group.policy, { total: group.members.length, succeeded, failed });
        if (decision === 'failed') finish(new ParallelGroupError(group.id, [...failures], [...succeeded], describePolicy(group.policy)));
        else if (decision === 'succeeded') finish();
      };
      const launch = () => {
        while (!settled && next < group.members.length && next - (succeeded.length + failures.length) < limit) {
          const memberId = group.members[next++]!;
          runBranch(memberId, branchScope(scope, group, memberId, signal)).then(
            (value) => {
              pending.delete(memberId);
              values[memberId] = value;
              succeeded.push(memberId);
            },
            (err: unknown) => {
              pending.delete(memberId);
              failures.push({ taskId: memberId, error: err instanceof Error ? err : new Error(errorMessage(err)) });
            },
          ).then(() => {
            if (settled) return;
            try {
              decide();
              launch();
            } catch (err) {
              finish(err instanceof Error ? err : new Error(errorMessage(err)));
            }
          });
        }
      };
      launch();
    });
  }
}
