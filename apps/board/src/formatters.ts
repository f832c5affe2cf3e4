/**
 * Bull Board formatters that turn Graflow's job payloads into a readable summary.
 *
 * A Graflow parallel group is one BullMQ flow: the parent job (`group`) is the group and its
 * children (`branch`) are the branches. The payloads carry ids and hashes only (results live in
 * Redis), so the summaries name the run, the group and the node. Formatters never throw: a payload
 * that does not look like ours (another producer, a future version) is shown unchanged.
 */
import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import { JOB_PAYLOAD_VERSION, type BranchJobData, type GroupJobData } from '@graflow/core/redis';

/** Return value of a `group` job. */
export interface GroupReturnValue {
  status: 'succeeded' | 'failed';
  succeeded: string[];
  failed: { taskId: string; error: string }[];
}

/** Return value of a `branch` job (the real result lives in Redis). */
export interface BranchReturnValue {
  nodeId: string;
  ok: true;
  /** Set when a redelivered branch found its outcome already recorded. */
  replayed?: true;
}

/** The part of a Bull Board job JSON the name formatter reads. */
export interface NamedJob {
  name?: string;
  data?: unknown;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function hasRunScope(v: unknown): v is Obj {
  return isObj(v) && v.v === JOB_PAYLOAD_VERSION && isStr(v.runId) && isStr(v.groupId) && isStr(v.graphHash);
}

export function isBranchJobData(v: unknown): v is BranchJobData {
  return hasRunScope(v) && v.kind === 'branch' && isStr(v.nodeId) && Number.isInteger(v.branchIndex);
}

export function isGroupJobData(v: unknown): v is GroupJobData {
  return hasRunScope(v) && v.kind === 'group' && Number.isInteger(v.branches);
}

const isGroupTimeoutData = (v: unknown): v is Obj => hasRunScope(v) && v.kind === 'group-timeout';

/** `strict`, `best_effort`, `at least 2`, `critical: a, b`, `custom: name`, or the policy's JSON. */
export function describePolicy(policy: unknown): string {
  if (typeof policy === 'string') return policy;
  if (isObj(policy)) {
    if (Number.isInteger(policy.atLeast)) return `at least ${String(policy.atLeast)}`;
    if (Array.isArray(policy.critical)) return `critical: ${policy.critical.join(', ')}`;
    if (isStr(policy.custom)) return `custom: ${policy.custom}`;
  }
  return JSON.stringify(policy);
}

const shortHash = (hash: string): string => (hash.length > 12 ? `${hash.slice(0, 12)}…` : hash);

/** Name column: `group <name|groupId> (n branches)`, a branch's node id, `group-timeout <groupId>`. */
export function formatJobName(job: NamedJob): string {
  const name = job.name ?? '';
  if (isGroupJobData(job.data)) {
    const d = job.data;
    const plural = d.branches === 1 ? 'branch' : 'branches';
    return `group ${d.name ?? d.groupId} (${d.branches} ${plural})`;
  }
  if (isBranchJobData(job.data)) return job.data.nodeId;
  if (isGroupTimeoutData(job.data)) return `group-timeout ${String(job.data.groupId)}`;
  return name;
}

/** Data tab: run, group and node first, ids shortened where they are hashes. */
export function formatJobData(data: unknown): unknown {
  if (isBranchJobData(data)) {
    return {
      run: data.runId,
      group: data.groupId,
      node: data.nodeId,
      branch: data.branchIndex,
      ...(isStr(data.path) && data.path !== data.nodeId ? { path: data.path } : {}),
      graph: shortHash(data.graphHash),
      groupKey: data.groupKey,
    };
  }
  if (isGroupJobData(data)) {
    return {
      run: data.runId,
      group: data.name ?? data.groupId,
      ...(data.name ? { groupId: data.groupId } : {}),
      branches: data.branches,
      graph: shortHash(data.graphHash),
      groupKey: data.groupKey,
    };
  }
  if (isGroupTimeoutData(data)) {
    return { run: data.runId, group: data.groupId, graph: shortHash(String(data.graphHash)), groupKey: data.groupKey };
  }
  return data;
}

function isGroupReturnValue(v: unknown): v is GroupReturnValue {
  return isObj(v) && (v.status === 'succeeded' || v.status === 'failed') && Array.isArray(v.succeeded) && Array.isArray(v.failed);
}

/** Result tab: a group's outcome with counts; a branch's node; anything else unchanged. */
export function formatReturnValue(value: unknown): unknown {
  if (isGroupReturnValue(value)) {
    return {
      status: value.status,
      summary: `${value.succeeded.length} succeeded, ${value.failed.length} failed`,
      succeeded: value.succeeded,
      failed: value.failed,
    };
  }
  if (isObj(value) && isStr(value.nodeId) && value.ok === true) {
    return {
      node: value.nodeId,
      ok: true,
      ...(value.replayed === true ? { replayed: true } : {}),
      result: 'stored in Redis (see the run channel)',
    };
  }
  return value;
}

/** Installs the three Graflow formatters on a Bull Board queue adapter. */
export function applyGraflowFormatters(adapter: Pick<BaseAdapter, 'setFormatter'>): void {
  adapter.setFormatter('name', formatJobName);
  adapter.setFormatter('data', formatJobData);
  adapter.setFormatter('returnValue', formatReturnValue);
}
