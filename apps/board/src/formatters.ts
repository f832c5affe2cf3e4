/**
 * Bull Board formatters that turn Graflow's job payloads into a readable summary.
 *
 * A Graflow parallel group is one BullMQ flow: the parent job is the group (named `group <id>`)
 * and its children are the branches (named by their node id, `crunch-7`); a group of more than
 * one flow chunk also has a `gate <id>` child while its branches are being added. A submitted
 * run's root is a job of its own (`run <workflow>`). The names are core's
 * (`jobDisplayName`); the formatters keep them. A completed branch shows the value it produced,
 * decoded, when `GraflowQueueAdapter` attached it. Formatters never throw: a payload that does not
 * look like ours (another producer, an older version) is shown unchanged.
 */
import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import {
  JOB_PAYLOAD_VERSION, jobDisplayName, type BranchJobData, type GateJobData, type GroupJobData, type GroupTimeoutJobData, type RunJobData,
} from '@graflow/core/redis';
import type { BranchValueView } from './branch-values';

/** Where `GraflowQueueAdapter` puts a branch's decoded value on its job's return value. */
export const BRANCH_VALUE: unique symbol = Symbol('graflow.branchValue');

/**
 * Return value of a succeeded `group` job: its barrier's counts (a failed group job fails, with
 * its failures in the failed reason).
 */
export interface GroupReturnValue {
  status: 'succeeded';
  done: number;
  ok: number;
  fail: number;
}

/** Return value of a branch job (its value lives in Redis; see `BranchValueReader`). */
export interface BranchReturnValue {
  nodeId: string;
  ok: boolean;
  /** Set when a redelivered branch found its outcome already recorded. */
  replayed?: true;
  /** Set when the group was decided before the branch ran. */
  skipped?: true;
  [BRANCH_VALUE]?: BranchValueView;
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
  return isObj(v) && v.v === JOB_PAYLOAD_VERSION && isStr(v.runId) && isStr(v.groupId) && isStr(v.groupKey) && isStr(v.graphHash);
}

export function isBranchJobData(v: unknown): v is BranchJobData {
  return hasRunScope(v) && v.kind === 'branch' && isStr(v.nodeId) && Number.isInteger(v.branchIndex) && (v.branchIndex as number) >= 0;
}

export function isGroupJobData(v: unknown): v is GroupJobData {
  return hasRunScope(v) && v.kind === 'group' && Number.isInteger(v.branches);
}

export function isGroupTimeoutJobData(v: unknown): v is GroupTimeoutJobData {
  return hasRunScope(v) && v.kind === 'group-timeout';
}

export function isGateJobData(v: unknown): v is GateJobData {
  return hasRunScope(v) && v.kind === 'gate';
}

export function isRunJobData(v: unknown): v is RunJobData {
  return isObj(v) && v.v === JOB_PAYLOAD_VERSION && v.kind === 'run' && isStr(v.runId) && isStr(v.graphHash) && isStr(v.startNode) && typeof v.workflow === 'string';
}

/** Any job payload of ours that the board decodes (every kind core's `jobDisplayName` names). */
function isGraflowJobData(v: unknown): v is BranchJobData | GroupJobData | GroupTimeoutJobData | GateJobData | RunJobData {
  return isBranchJobData(v) || isGroupJobData(v) || isGroupTimeoutJobData(v) || isGateJobData(v) || isRunJobData(v);
}

/** Never lets a formatter's bug reach Bull Board: the raw value is shown instead. */
function safe<T, R>(format: (value: T) => R, fallback: (value: T) => R): (value: T) => R {
  return (value) => {
    try {
      return format(value);
    } catch {
      return fallback(value);
    }
  };
}

const shortHash = (hash: string): string => (hash.length > 12 ? `${hash.slice(0, 12)}…` : hash);

/** Name column: core's name for our jobs (`crunch-7`, `group crunch-all`), the job's own otherwise. */
export const formatJobName = safe(
  (job: NamedJob): string => {
    const d = job.data;
    return isGraflowJobData(d) ? jobDisplayName(d) : job.name ?? '';
  },
  (job) => job?.name ?? '',
);

/** Data tab: run, group and node first, hashes shortened, the run's limits last. */
export const formatJobData = safe((data: unknown): unknown => {
  const limits = (d: BranchJobData | GroupJobData | GroupTimeoutJobData | RunJobData) => ({ ttlSeconds: d.ttl, maxPayloadBytes: d.maxPayloadBytes });
  if (isBranchJobData(data)) {
    return {
      run: data.runId,
      group: data.groupId,
      node: data.nodeId,
      branch: data.branchIndex,
      ...(isStr(data.path) && data.path !== data.nodeId ? { path: data.path } : {}),
      graph: shortHash(data.graphHash),
      groupKey: data.groupKey,
      ...limits(data),
    };
  }
  if (isGroupJobData(data)) {
    return {
      run: data.runId,
      group: data.groupId,
      ...(isStr(data.name) && data.name !== data.groupId ? { name: data.name } : {}),
      branches: data.branches,
      graph: shortHash(data.graphHash),
      groupKey: data.groupKey,
      ...limits(data),
    };
  }
  if (isGroupTimeoutJobData(data)) {
    return { run: data.runId, group: data.groupId, timeoutOf: `group ${data.groupId}`, graph: shortHash(data.graphHash), groupKey: data.groupKey };
  }
  if (isGateJobData(data)) {
    return {
      run: data.runId,
      group: data.groupId,
      gateOf: `group ${data.groupId}`,
      holds: 'the group open while its branches are added in chunks; removed once the last chunk is in, or fires after its delay if the producer stopped first',
      graph: shortHash(data.graphHash),
      groupKey: data.groupKey,
    };
  }
  if (isRunJobData(data)) {
    return { run: data.runId, workflow: data.workflow, startNode: data.startNode, graph: shortHash(data.graphHash), ...limits(data) };
  }
  return data;
}, (data) => data);

function isGroupReturnValue(v: unknown): v is GroupReturnValue {
  return isObj(v) && v.status === 'succeeded' && Number.isInteger(v.done) && Number.isInteger(v.ok) && Number.isInteger(v.fail);
}

function describeBranchValue(view: BranchValueView | undefined): Obj {
  if (!view) return { result: 'not loaded (shown when the board reads the job through its queue adapter)' };
  if (!view.found) return { result: null, note: view.note };
  return {
    [view.ok ? 'result' : 'error']: view.value,
    from: view.source,
    ...(view.note ? { note: view.note } : {}),
  };
}

/** Result tab: a group's outcome with counts; a branch's node and its decoded value. */
export const formatReturnValue = safe((value: unknown): unknown => {
  if (isGroupReturnValue(value)) {
    return {
      status: value.status,
      summary: `${value.ok} succeeded, ${value.fail} failed`,
      ...(value.done !== value.ok + value.fail ? { done: value.done } : {}),
    };
  }
  if (isObj(value) && isStr(value.nodeId) && typeof value.ok === 'boolean') {
    return {
      node: value.nodeId,
      ok: value.ok,
      ...(value.replayed === true ? { replayed: true } : {}),
      ...(value.skipped === true ? { skipped: true } : {}),
      ...describeBranchValue((value as unknown as BranchReturnValue)[BRANCH_VALUE]),
    };
  }
  return value;
}, (value) => value);

/** Installs the Graflow formatters on a Bull Board queue adapter. */
export function applyGraflowFormatters(adapter: Pick<BaseAdapter, 'setFormatter'>): void {
  adapter.setFormatter('name', formatJobName);
  adapter.setFormatter('data', formatJobData);
  adapter.setFormatter('returnValue', formatReturnValue);
}
