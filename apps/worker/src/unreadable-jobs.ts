import { Job, UnrecoverableError, Worker, type JobJson, type Processor, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { MalformedJobError } from '@graflow/core';

/** Where a job BullMQ could not read carries why, in place of its data (see `GuardedWorker`). */
const UNREADABLE = '@graflow/unreadable';

/** Fields of a stored job that BullMQ parses as JSON, named as an operator would look for them. */
const JSON_FIELDS: ReadonlyArray<[field: string, what: string]> = [
  ['data', 'its data stored in Redis is not valid JSON'],
  ['opts', 'its options stored in Redis are not valid JSON'],
  ['progress', 'its progress stored in Redis is not valid JSON'],
  ['parent', 'its parent reference stored in Redis is not valid JSON'],
];

/**
 * A BullMQ `Worker` that fails jobs it cannot parse instead of choking on them. BullMQ parses a
 * job's stored JSON right after `moveToActive` has locked it (options in the backend, data in
 * `createJob`); a parse error there escapes its main loop, so the job was never processed nor
 * failed: its lock lapsed, the stalled check put it back, and the worker logged "Unexpected end
 * of JSON input" twice a second, forever, without the job id.
 *
 * Here the job is built with a marker instead of its data, and processing it throws an
 * `UnrecoverableError` carrying `MalformedJobError` (with the job id), so BullMQ fails it on the
 * first attempt through its ordinary path. `onUnreadable` is told once per job.
 */
export class GuardedWorker extends Worker {
  constructor(
    name: string,
    processor: Processor,
    options: WorkerOptions,
    private readonly redis: Redis,
    private readonly onUnreadable: (jobId: string, error: MalformedJobError) => void,
  ) {
    super(name, processor, options);
  }

  protected override createJob(data: JobJson, jobId: string): Job {
    try {
      return super.createJob(data, jobId);
    } catch (err) {
      return this.unreadable({ ...data, id: data.id || jobId }, `${JSON_FIELDS[0]![1]} (${errorText(err)})`);
    }
  }

  protected override async moveToActive(token: string, name?: string): Promise<Job> {
    try {
      return await super.moveToActive(token, name);
    } catch (err) {
      // The backend parses options, progress and parent before a Job exists: find the job this
      // call locked (its lock holds our token) and fail that one.
      if (!(err instanceof SyntaxError)) throw err;
      const jobId = await this.lockedBy(token);
      if (jobId === undefined) throw err;
      const raw = await this.redis.hgetall(this.toKey(jobId));
      const why = JSON_FIELDS.find(([field]) => raw[field] !== undefined && !parses(raw[field]!))?.[1] ?? 'a field stored in Redis is not valid JSON';
      const job = this.unreadable(minimalJson(jobId, raw), `${why} (${err.message})`);
      job.token = token;
      return job;
    }
  }

  protected override callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
    const reason = (job.data as Record<string, unknown> | null)?.[UNREADABLE];
    if (typeof reason === 'string') {
      const error = new MalformedJobError(job.id ?? '?', reason);
      return Promise.reject(new UnrecoverableError(`${error.name}: ${error.message}`));
    }
    return super.callProcessJob(job, token, signal);
  }

  private unreadable(json: JobJson, reason: string): Job {
    this.onUnreadable(json.id, new MalformedJobError(json.id, reason));
    return super.createJob({ ...json, data: JSON.stringify({ [UNREADABLE]: reason }) }, json.id);
  }

  /** The active job whose lock holds `token` (the one moveToActive just took), if any. */
  private async lockedBy(token: string): Promise<string | undefined> {
    const page = 200;
    // moveToActive pushes at the head of the active list, so the job is almost always on page one.
    for (let start = 0; ; start += page) {
      const ids = await this.redis.lrange(this.keys.active!, start, start + page - 1);
      if (ids.length === 0) return undefined;
      const locks = await this.redis.mget(ids.map((id) => `${this.toKey(id)}:lock`));
      const index = locks.indexOf(token);
      if (index >= 0) return ids[index];
    }
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What BullMQ needs to fail a job, read from its raw hash without parsing any JSON field. */
function minimalJson(id: string, raw: Record<string, string>): JobJson {
  const int = (text: string | undefined) => (text === undefined ? 0 : Number.parseInt(text, 10) || 0);
  return {
    id,
    name: raw.name ?? '',
    data: '{}',
    opts: {},
    progress: 0,
    timestamp: int(raw.timestamp),
    attemptsMade: int(raw.atm ?? raw.attemptsMade),
    attemptsStarted: int(raw.ats),
    stalledCounter: int(raw.stc),
    failedReason: '',
    returnvalue: '',
    ...(raw.parentKey ? { parentKey: raw.parentKey } : {}),
  };
}
