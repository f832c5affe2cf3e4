/**
 * Bull Board's BullMQ adapter, plus the one thing formatters cannot do (they are synchronous):
 * reading each finished branch's value from Redis before the page is built. The value travels to
 * the `returnValue` formatter under a symbol on the job's return value, which no payload read
 * from Redis can carry, so a foreign job can never pose as a decoded one.
 */
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { Job, Queue } from 'bullmq';
import type { BranchValueReader, BranchValueView } from './branch-values';
import { applyGraflowFormatters, BRANCH_VALUE, isBranchJobData } from './formatters';

type AdapterOptions = ConstructorParameters<typeof BullMQAdapter>[1];

export class GraflowQueueAdapter extends BullMQAdapter {
  constructor(
    queue: Queue,
    private readonly values: BranchValueReader,
    options?: AdapterOptions,
  ) {
    super(queue, options);
    applyGraflowFormatters(this);
  }

  override async getJob(id: string): Promise<Job | undefined> {
    const job = await super.getJob(id);
    if (job) await this.attachValue(job);
    return job;
  }

  override async getJobs(...args: Parameters<BullMQAdapter['getJobs']>): Promise<Job[]> {
    const jobs = await super.getJobs(...args);
    await Promise.all(jobs.map((job) => (job ? this.attachValue(job) : undefined)));
    return jobs;
  }

  /** A completed branch's return value (`{ nodeId, ok }`) gains the decoded value it produced. */
  private async attachValue(job: Job): Promise<void> {
    const returned: unknown = job.returnvalue;
    if (!isBranchJobData(job.data) || typeof returned !== 'object' || returned === null || Array.isArray(returned)) return;
    const view: BranchValueView = await this.values.read(job.data);
    job.returnvalue = { ...returned, [BRANCH_VALUE]: view };
  }
}
