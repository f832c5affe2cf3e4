import { WaitingChildrenError, type Job } from 'bullmq';
import type { BranchRunner, GroupExecutor, Scope } from '../engine/scope';
import type { GroupNode } from '../graph/types';
import { dispatchGroup } from './dispatch-group';
import type { RunRef } from './group-instance';
import { settleDecided } from './outcomes';
import type { BranchJobData } from './job-data';
import type { RedisRuntime } from './redis-runtime';

/**
 * A distributed group started inside a branch on a worker. The inner flow becomes a child of
 * the branch's own job, which then moves to waiting-children and gives up its worker slot; when
 * the inner group's job completes, BullMQ hands the branch back and the journal replays it to
 * this point, where the decided barrier answers at once. Nesting therefore never deadlocks,
 * even on one worker with concurrency 1.
 */
export class NestedGroupExecutor implements GroupExecutor {
  constructor(
    private readonly runtime: RedisRuntime,
    private readonly job: Job,
    private readonly token: string | undefined,
    /** The cancel keys of the job that waits (a branch's, or a run job's run-wide key). */
    private readonly data: Pick<BranchJobData, 'cancelKeys'>,
    private readonly run: RunRef,
  ) {}

  async executeGroup(group: GroupNode, scope: Scope, _runBranch: BranchRunner): Promise<Record<string, unknown>> {
    const instance = await dispatchGroup({
      runtime: this.runtime,
      // The waiter of a nested group is this job (waiting-children), not the producer.
      run: { runId: this.run.runId, epoch: this.run.epoch, limits: this.run.limits, ...(this.run.events ? { events: true } : {}) },
      graph: scope.graph,
      group,
      path: scope.path,
      outerCancelKeys: this.data.cancelKeys,
      parent: { id: this.job.id!, queue: this.job.queueQualifiedName },
    });
    let meta = await instance.barrier.meta();
    if (!meta?.decided) {
      if (await this.job.moveToWaitingChildren(this.token ?? '')) throw new WaitingChildrenError();
      meta = await instance.barrier.meta();
      if (!meta?.decided) {
        // The inner group's job ended without deciding (it crashed); nothing more will arrive.
        await instance.barrier.decide('failed', 'group job ended undecided');
        meta = await instance.barrier.meta();
      }
    }
    return settleDecided(instance, meta!);
  }
}
