import { MalformedJobError } from '../errors';
import type { PolicySpec } from '../graph/types';

/**
 * Job payloads. BullMQ job names are for people (a branch is named by its node id, a group
 * `group <id>`); what a job is, is `kind` in its data. Every job carries the run's limits (TTL,
 * payload size) so workers apply the producer's settings, not defaults of their own.
 */
export const JOB_PAYLOAD_VERSION = 2;

interface RunScopedJob {
  v: typeof JOB_PAYLOAD_VERSION;
  runId: string;
  /** Random tag of the run's claim; part of every job id of the run (see `groupJobId`). */
  epoch: string;
  /** Pub/sub channel of the producer waiting on this group, when one waits (not nested groups). */
  notify?: string;
  graphHash: string;
  groupId: string;
  groupKey: string;
  /** TTL of the run's keys, in seconds (the producer's `runTtlSeconds`). */
  ttl: number;
  /** Largest encoded value the run accepts (the producer's `maxPayloadBytes`). */
  maxPayloadBytes: number;
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

export type JobData = BranchJobData | GroupJobData | GroupTimeoutJobData | GateJobData;
export type JobKind = JobData['kind'];

const STRING_FIELDS = ['runId', 'epoch', 'graphHash', 'groupId', 'groupKey'] as const;
const KINDS: readonly JobKind[] = ['branch', 'group', 'group-timeout', 'gate'];

/** The policy spec is not needed by workers (the barrier holds it); kept for operators. */
export type { PolicySpec };

function positiveInt(jobId: string, d: Record<string, unknown>, field: string, min: number): void {
  const v = d[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new MalformedJobError(jobId, `field '${field}' must be an integer >= ${min}`);
}

/** Validates any Graflow job payload; throws `MalformedJobError` naming the job and the field. */
export function parseJobData(jobId: string, data: unknown): JobData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new MalformedJobError(jobId, 'data is not an object');
  const d = data as Record<string, unknown>;
  if (d.v !== JOB_PAYLOAD_VERSION) throw new MalformedJobError(jobId, `unsupported payload version ${JSON.stringify(d.v)} (expected ${JOB_PAYLOAD_VERSION})`);
  if (!KINDS.includes(d.kind as JobKind)) throw new MalformedJobError(jobId, `unknown job kind ${JSON.stringify(d.kind)} (expected ${KINDS.join(', ')})`);
  for (const f of STRING_FIELDS) {
    if (typeof d[f] !== 'string' || d[f] === '') throw new MalformedJobError(jobId, `field '${f}' must be a non-empty string`);
  }
  if (d.notify !== undefined && typeof d.notify !== 'string') throw new MalformedJobError(jobId, "field 'notify' must be a string");
  positiveInt(jobId, d, 'ttl', 1);
  positiveInt(jobId, d, 'maxPayloadBytes', 1);
  if (d.kind === 'branch') {
    for (const f of ['nodeId', 'path']) {
      if (typeof d[f] !== 'string' || d[f] === '') throw new MalformedJobError(jobId, `field '${f}' must be a non-empty string`);
    }
    positiveInt(jobId, d, 'branchIndex', 0);
    if (!Array.isArray(d.cancelKeys) || d.cancelKeys.some((k) => typeof k !== 'string')) {
      throw new MalformedJobError(jobId, "field 'cancelKeys' must be an array of strings");
    }
  }
  if (d.kind === 'group') positiveInt(jobId, d, 'branches', 1);
  return d as unknown as JobData;
}

/** The BullMQ job name operators see: a branch by its node id, a group as `group <id>`. */
export function jobDisplayName(data: Pick<JobData, 'kind' | 'groupId'> & { nodeId?: string }): string {
  if (data.kind === 'branch') return data.nodeId ?? 'branch';
  return data.kind === 'group' ? `group ${data.groupId}` : `${data.kind} ${data.groupId}`;
}
