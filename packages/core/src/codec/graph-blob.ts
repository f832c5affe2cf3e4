import { GraphIntegrityError } from '@graflow/store';
import type { Graph } from '../graph/types';

/** Graphs already checked (the store's cache hands out the same frozen object on every hit). */
const checked = new WeakSet<object>();

/**
 * The graph a blob holds, or a `GraphIntegrityError` (final: retrying cannot help) saying that the
 * blob under `hash` is not a Graflow graph and where it differs. The store checks that a blob
 * matches its hash, not what it is: anyone who can write the prefix can store valid msgpack of
 * any shape under its own hash, and a worker must not meet it as "Cannot read properties of
 * undefined" deep in a branch.
 */
export function assertGraphBlob(value: unknown, hash: string, key: string): Graph {
  if (typeof value === 'object' && value !== null && checked.has(value)) return value as Graph;
  const problem = graphProblem(value);
  if (problem) throw new GraphIntegrityError(hash, key, `it is not a Graflow graph: ${problem}`);
  checked.add(value as object);
  return value as Graph;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isCount = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** The first way `value` is not a graph of format graflow.graph/1, or undefined. */
function graphProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `it holds ${kindOf(value)}`;
  if (value.format !== 'graflow.graph/1') return `its format is ${short(value.format)} (expected 'graflow.graph/1')`;
  if (!isText(value.name)) return 'it has no name';
  if (!isRecord(value.nodes)) return 'it has no nodes';
  if (!isText(value.root) || !(value.root in value.nodes)) return `its root ${short(value.root)} is not one of its nodes`;
  if (!Array.isArray(value.edges)) return 'it has no edges';
  for (const [id, node] of Object.entries(value.nodes)) {
    const problem = nodeProblem(id, node, value.nodes);
    if (problem) return `node ${short(id)} ${problem}`;
  }
  return undefined;
}

function nodeProblem(id: string, node: unknown, nodes: Record<string, unknown>): string | undefined {
  if (!isRecord(node)) return `is ${kindOf(node)}`;
  if (node.id !== id) return `carries the id ${short(node.id)}`;
  if (node.kind === 'task') {
    if (!isText(node.taskId)) return 'has no task id';
    // Options are stored only when they differ from the defaults (see build-graph).
    const o = node.options;
    if (o !== undefined && (!isRecord(o) || !isCount(o.attempts, 1) || !isCount(o.maxCycles, 1) || !isRecord(o.backoff))) return 'has malformed options';
    return undefined;
  }
  if (node.kind !== 'chain' && node.kind !== 'group') return `has the kind ${short(node.kind)}`;
  const members = node.members;
  if (!Array.isArray(members) || members.length === 0) return 'has no members';
  const missing = members.find((m) => typeof m !== 'string' || !(m in nodes));
  if (missing !== undefined) return `has the member ${short(missing)}, which is not a node`;
  if (node.kind === 'group' && !isPolicy(node.policy)) return `has the policy ${short(node.policy)}`;
  return undefined;
}

function isPolicy(p: unknown): boolean {
  if (p === 'strict' || p === 'best_effort') return true;
  if (!isRecord(p)) return false;
  if ('atLeast' in p) return isCount(p.atLeast, 1);
  if ('critical' in p) return Array.isArray(p.critical) && p.critical.every(isText);
  return isText(p.custom);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function short(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (v === undefined || v === null || typeof v !== 'object') return String(v);
  return kindOf(v);
}
