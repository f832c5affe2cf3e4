import { UnrecoverableError, type Job } from 'bullmq';
import { GraflowError } from '../errors';
import { processBranch } from './branch-processor';
import { processGroup, processGroupTimeout } from './group-processor';
import { parseJobData } from './job-data';
import { ProcessorContext, UNLOADABLE_GRAPH_CODES, type JobProcessorOptions } from './processor-context';

export type { JobProcessorOptions, BranchInfo } from './processor-context';

// Bad payloads and missing or corrupt graphs will not get better on retry.
const FINAL_CODES = ['MALFORMED_JOB', 'INVALID_GRAPH', ...UNLOADABLE_GRAPH_CODES];

/** Processes every Graflow job kind: `branch`, `group` (the flow parent), `group-timeout` and `gate`. */
export function createJobProcessor(options: JobProcessorOptions): (job: Job, token?: string) => Promise<unknown> {
  const ctx = new ProcessorContext(options);
  return async (job, token) => {
    try {
      const data = parseJobData(job.id ?? '?', job.data);
      if (data.kind === 'branch') return await processBranch(ctx, job, token, data);
      if (data.kind === 'group') return await processGroup(ctx, job, data);
      if (data.kind === 'gate') return { gate: 'opened by its delay' };
      return await processGroupTimeout(ctx, job, data);
    } catch (err) {
      if (err instanceof GraflowError && FINAL_CODES.includes(err.code)) throw new UnrecoverableError(`${err.name}: ${err.message}`);
      throw err;
    }
  };
}
