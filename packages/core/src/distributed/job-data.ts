import { MalformedJobError } from '../errors';
import type { PolicySpec } from '../graph/types';

/** Data of a `group` job: the parent of a flow, processed once every branch has finished. */
export interface GroupJobData {
  v: 1;
  runId: string;
  graphHash: string;
  groupId: string;
  groupKey: string;
  name?: string;
  branches: number;
  members: string[];
  policy: PolicySpec;
  /** The BullMQ queue of each branch (absent: all in the default queue). */
  queues?: string[];
}

/** Data of a `branch` job: one branch of a group. Code never travels, only ids. */
export interface BranchJobData {
  v: 1;
  runId: string;
  graphHash: string;
  nodeId: string;
  groupId: string;
  groupKey: string;
  branchIndex: number;
  /** Scope path of the branch (journal and nested group keys derive from it). */
  path: string;
  /** Group keys of this group and every enclosing distributed group (cancellation fan-out). */
  cancelKeys: string[];
}

const STRING_FIELDS = ['runId', 'graphHash', 'groupId', 'groupKey'] as const;

function check(jobId: string, data: unknown, extra: string[]): Record<string, unknown> {
  if (typeof data !== 'object' || data === null) throw new MalformedJobError(jobId, 'data is not an object');
  const d = data as Record<string, unknown>;
  if (d.v !== 1) throw new MalformedJobError(jobId, `unsupported payload version ${JSON.stringify(d.v)} (expected 1)`);
  for (const f of [...STRING_FIELDS, ...extra]) {
    if (typeof d[f] !== 'string' || d[f] === '') throw new MalformedJobError(jobId, `field '${f}' must be a non-empty string`);
  }
  return d;
}

export function parseBranchJobData(jobId: string, data: unknown): BranchJobData {
  const d = check(jobId, data, ['nodeId', 'path']);
  if (!Number.isInteger(d.branchIndex) || (d.branchIndex as number) < 0) throw new MalformedJobError(jobId, "field 'branchIndex' must be an integer >= 0");
  if (!Array.isArray(d.cancelKeys)) throw new MalformedJobError(jobId, "field 'cancelKeys' must be an array");
  return d as unknown as BranchJobData;
}

export function parseGroupJobData(jobId: string, data: unknown): GroupJobData {
  const d = check(jobId, data, []);
  if (!Number.isInteger(d.branches) || !Array.isArray(d.members)) throw new MalformedJobError(jobId, "fields 'branches' and 'members' are required");
  return d as unknown as GroupJobData;
}

/** Data of a delayed `group-timeout` job: decides the group failed when it fires first. */
export interface GroupTimeoutJobData {
  v: 1;
  runId: string;
  graphHash: string;
  groupId: string;
  groupKey: string;
}

export function parseGroupTimeoutJobData(jobId: string, data: unknown): GroupTimeoutJobData {
  return check(jobId, data, []) as unknown as GroupTimeoutJobData;
}
