import { MalformedJobError } from '../errors';
import type { PolicySpec } from '../graph/types';

/**
 * Job payloads. BullMQ job names are for people (a branch is named by its node id, a group
 * `group <id>`); what a job is, is `kind` in its data. Every job carries the run's limits (TTL,
 * payload size) so workers apply the producer's settings, not defaults of their own.
 */
export const JOB_PAYLOAD_VERSION = 2;

interface JobOfRun {
  v: typeof JOB_PAYLOAD_VERSION;
  runId: string;
  /** Random tag of the run's claim; part of every job id of the run (see `groupJobId`). */
  epoch: string;
  graphHash: string;
  /** TTL of the run's keys, in seconds (the producer's `runTtlSeconds`). */
  ttl: number;
  /** Largest encoded value the run accepts (the producer's `maxPayloadBytes`). */
  maxPayloadBytes: number;
  /** The run reports progress events; absent (off) unless someone asked for them. */
  events?: boolean;
}

interface RunScopedJob extends JobOfRun {
  /** Pub/sub channel of the producer waiting on this group, when one waits (not nested groups). */
  notify?: string;
  groupId: string;
  groupKey: string;
}

/**
 * Data of a `run` job: the root of a submitted run (`workflow.submit()`). A worker walks the
 * graph from `startNode` as a branch whose path is '', so the run needs no producer.
 */
export interface RunJobData extends JobOfRun {
  kind: 'run';
  startNode: string;
  /** The workflow's name, for people reading the queue. */
  workflow: string;
}

/** Data of a `group` job: the parent of a flow, processed once every branch has finished. */
export interface GroupJobData extends RunScopedJob {
  kind: 'group';
  name?: string;
  branches: number;
}

/** Data of a `branch` job: one branch of a group. Code never travels, only ids. */
export interface BranchJobData extends RunScopedJob {
  kind: 'branch';
  nodeId: string;
  branchIndex: number;
  /** Scope path of the branch (journal and nested group keys derive from it). */
  path: string;
  /** Cancel keys of this group and every enclosing distributed group (cancellation fan-out). */
  cancelKeys: string[];
}

/** Data of a delayed `group-timeout` job: decides the group failed when it fires first. */
export interface GroupTimeoutJobData extends RunScopedJob {
  kind: 'group-timeout';
}

/**
 * Data of a group's `gate` child: a delayed no-op that holds the group open while a very large
 * group's branches are added in chunks. The producer removes it once every chunk is in; if the
 * producer died first, the gate fires after its delay and the group settles without the branches
 * that were never added.
 */
export interface GateJobData extends RunScopedJob {
  kind: 'gate';
}

export type JobData = BranchJobData | GroupJobData | GroupTimeoutJobData | GateJobData | RunJobData;
export type JobKind = JobData['kind'];

/** Non-empty strings a job must carry: a run job's, and every other kind's. */
const RUN_JOB_STRINGS = ['runId', 'epoch', 'graphHash', 'startNode', 'workflow'] as const;
const GROUP_JOB_STRINGS = ['runId', 'epoch', 'graphHash', 'groupId', 'groupKey'] as const;
const KINDS: readonly JobKind[] = ['branch', 'group', 'group-timeout', 'gate', 'run'];

/** The policy spec is not needed by workers (the barrier holds it); kept for operators. */
export type { PolicySpec };

function positiveInt(jobId: string, d: Record<string, unknown>, field: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  const v = d[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new MalformedJobError(jobId, `field '${field}' must be an integer from ${min} to ${max}`);
  }
}

/** A value from a job, as an error message may show it: bounded, whatever a forged job holds. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}... (${text.length} characters)` : text;
}

/** Bounds of the numbers a job carries (beyond them a job is forged or corrupt). */
const MAX_BRANCH_INDEX = 10_000_000;
const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;
const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

/** Validates any Graflow job payload; throws `MalformedJobError` naming the job and the field. */
export function parseJobData(jobId: string, data: unknown): JobData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new MalformedJobError(jobId, 'data is not an object');
  const d = data as Record<string, unknown>;
  if (d.v !== JOB_PAYLOAD_VERSION) throw new MalformedJobError(jobId, `unsupported payload version ${shown(d.v)} (expected ${JOB_PAYLOAD_VERSION})`);
  if (!KINDS.includes(d.kind as JobKind)) throw new MalformedJobError(jobId, `unknown job kind ${shown(d.kind)} (expected ${KINDS.join(', ')})`);
  for (const f of d.kind === 'run' ? RUN_JOB_STRINGS : GROUP_JOB_STRINGS) {
    if (typeof d[f] !== 'string' || d[f] === '') throw new MalformedJobError(jobId, `field '${f}' must be a non-empty string`);
  }
  if (d.notify !== undefined && typeof d.notify !== 'string') throw new MalformedJobError(jobId, "field 'notify' must be a string");
  if (d.events !== undefined && typeof d.events !== 'boolean') throw new MalformedJobError(jobId, "field 'events' must be a boolean");
  positiveInt(jobId, d, 'ttl', 1, MAX_TTL_SECONDS);
  positiveInt(jobId, d, 'maxPayloadBytes', 1, MAX_PAYLOAD_BYTES);
  if (d.kind === 'branch') {
    for (const f of ['nodeId', 'path']) {
      if (typeof d[f] !== 'string' || d[f] === '') throw new MalformedJobError(jobId, `field '${f}' must be a non-empty string`);
    }
    positiveInt(jobId, d, 'branchIndex', 0, MAX_BRANCH_INDEX);
    if (!Array.isArray(d.cancelKeys) || d.cancelKeys.some((k) => typeof k !== 'string')) {
      throw new MalformedJobError(jobId, "field 'cancelKeys' must be an array of strings");
    }
  }
  if (d.kind === 'group') positiveInt(jobId, d, 'branches', 1, MAX_BRANCH_INDEX);
  return d as unknown as JobData;
}

/** The BullMQ job name operators see: a branch by its node id, a group as `group <id>`, a run as `run <workflow>`. */
export function jobDisplayName(data: Pick<JobData, 'kind'> & { groupId?: string; nodeId?: string; workflow?: string }): string {
  if (data.kind === 'branch') return data.nodeId ?? 'branch';
  if (data.kind === 'run') return `run ${data.workflow ?? ''}`.trim();
  return data.kind === 'group' ? `group ${data.groupId}` : `${data.kind} ${data.groupId}`;
}
