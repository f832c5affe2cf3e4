import { UnrecoverableError, type Job } from 'bullmq';
import { GraflowError } from '../errors';
import { processBranch } from './branch-processor';
import { processGroup, processGroupTimeout } from './group-processor';
import { parseJobData } from './job-data';
import { ProcessorContext, UNLOADABLE_GRAPH_CODES, type JobProcessorOptions } from './processor-context';
import { processRun } from './run-job/run-processor';

export type { JobProcessorOptions, BranchInfo, RunJobInfo } from './processor-context';

// Bad payloads and missing or corrupt graphs will not get better on retry.
const FINAL_CODES = ['MALFORMED_JOB', 'INVALID_GRAPH', 'BARRIER_GONE', ...UNLOADABLE_GRAPH_CODES];

/** Processes every Graflow job kind: `branch`, `group` (the flow parent), `group-timeout`, `gate` and `run` (a submitted run's root). */
export function createJobProcessor(options: JobProcessorOptions): (job: Job, token?: string) => Promise<unknown> {
  const ctx = new ProcessorContext(options);
  return async (job, token) => {
    try {
      const data = parseJobData(job.id ?? '?', job.data);
      if (data.kind === 'branch') return await processBranch(ctx, job, token, data);
      if (data.kind === 'group') return await processGroup(ctx, job, data);
      if (data.kind === 'gate') return { gate: 'opened by its delay' };
      if (data.kind === 'run') return await processRun(ctx, job, token, data);
      return await processGroupTimeout(ctx, job, data);
    } catch (err) {
      if (err instanceof GraflowError && FINAL_CODES.includes(err.code)) throw new UnrecoverableError(`${err.name}: ${err.message}`);
      throw err;
    }
  };
}
