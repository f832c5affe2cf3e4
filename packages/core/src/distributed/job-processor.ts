import { UnrecoverableError, type Job } from 'bullmq';
import { GraflowError, MalformedJobError } from '../errors';
import { processBranch } from './branch-processor';
import { processGroup, processGroupTimeout } from './group-processor';
import { ProcessorContext, type JobProcessorOptions } from './processor-context';

export type { JobProcessorOptions, BranchInfo } from './processor-context';

// Bad payloads and missing or corrupt graphs will not get better on retry.
const FINAL_CODES = ['MALFORMED_JOB', 'GRAPH_NOT_FOUND', 'GRAPH_INTEGRITY', 'INVALID_GRAPH'];

/** Processes every Graflow job kind: `branch`, `group` (the flow parent) and `group-timeout`. */
export function createJobProcessor(options: JobProcessorOptions): (job: Job, token?: string) => Promise<unknown> {
  const ctx = new ProcessorContext(options);
  return async (job, token) => {
    try {
      if (job.name === 'branch') return await processBranch(ctx, job, token);
      if (job.name === 'group') return await processGroup(ctx, job);
      if (job.name === 'group-timeout') return await processGroupTimeout(ctx, job);
      throw new MalformedJobError(job.id ?? '?', `unknown job name '${job.name}' (expected branch, group or group-timeout)`);
    } catch (err) {
      if (err instanceof GraflowError && FINAL_CODES.includes(err.code)) throw new UnrecoverableError(`${err.name}: ${err.message}`);
      throw err;
    }
  };
}
