import { inspect, isDeepStrictEqual } from 'node:util';
import type { RunResult } from '@graflow/core';

/** How a run ended: its result, or what it threw. */
export type Settled = { ok: true; output: unknown; results: Record<string, unknown> } | { ok: false; error: unknown };

export async function settle(run: Promise<RunResult>): Promise<Settled> {
  try {
    const { output, results } = await run;
    return { ok: true, output, results };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * What of an error must be the same on both backends. For a group failure: the class, the group
 * id and each failed branch (id, error class, message); which sibling branches had succeeded when
 * the policy decided is timing, so counts of succeeded branches are left out, including inside the
 * messages of nested group failures.
 */
export interface ErrorShape {
  name: string;
  message?: string;
  groupId?: string;
  failed?: Array<{ taskId: string; name: string; message: string }>;
}

const withoutSucceededCount = (message: string) => message.replace(/\b\d+ succeeded\b/g, 'N succeeded');

export function errorShape(err: unknown): ErrorShape {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) };
  const group = err as Error & { groupId?: unknown; failed?: Array<{ taskId: string; error: Error }> };
  if (typeof group.groupId === 'string' && Array.isArray(group.failed)) {
    const failed = group.failed
      .map((f) => ({ taskId: f.taskId, name: f.error?.name ?? 'undefined', message: withoutSucceededCount(f.error?.message ?? '') }))
      .sort((a, b) => a.taskId.localeCompare(b.taskId));
    return { name: err.name, groupId: group.groupId, failed };
  }
  return { name: err.name, message: withoutSucceededCount(err.message) };
}

/** A value, on one line, cut to `max` characters (Map, Date, BigInt and Buffer shown as such). */
export function show(value: unknown, max = 600): string {
  const text = inspect(value, { depth: 8, breakLength: Infinity, maxArrayLength: 40, maxStringLength: 200 });
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

function settledShape(s: Settled): unknown {
  return s.ok ? { ok: true } : { ok: false, error: errorShape(s.error) };
}

/** Node ids whose results differ between the two runs (missing on one side counts). */
function differingResults(expected: Record<string, unknown>, got: Record<string, unknown>): string[] {
  const ids = new Set([...Object.keys(expected), ...Object.keys(got)]);
  return [...ids].filter((id) => !(id in expected) || !(id in got) || !isDeepStrictEqual(expected[id], got[id])).sort();
}

/**
 * Compares the distributed run with its in-process reference; undefined when it is correct,
 * otherwise what differs. The reference must also match the run's design (a doomed run fails, any
 * other succeeds): if not, the soak or the in-process engine is wrong, and that is reported too.
 */
export function compareRuns(doomed: boolean, reference: Settled, got: Settled): string | undefined {
  if (reference.ok === doomed) {
    return `the in-process reference ${reference.ok ? 'succeeded' : 'failed'} but the run was designed to ${doomed ? 'fail' : 'succeed'}: ${show(settledShape(reference))}`;
  }
  if (reference.ok) {
    if (!got.ok) return `expected success, got ${show(errorShape(got.error))}`;
    const problems: string[] = [];
    if (!isDeepStrictEqual(reference.output, got.output)) problems.push(`output: expected ${show(reference.output, 300)}, got ${show(got.output, 300)}`);
    const differing = differingResults(reference.results, got.results);
    for (const id of differing.slice(0, 5)) problems.push(`results['${id}']: expected ${show(reference.results[id], 200)}, got ${show(got.results[id], 200)}`);
    if (differing.length > 5) problems.push(`and ${differing.length - 5} more differing results: ${differing.slice(5).join(', ')}`);
    return problems.length ? problems.join('; ') : undefined;
  }
  if (got.ok) return `expected failure ${show(errorShape(reference.error))}, got success with output ${show(got.output, 300)}`;
  const expected = errorShape(reference.error);
  const actual = errorShape(got.error);
  return isDeepStrictEqual(expected, actual) ? undefined : `expected failure ${show(expected)}, got ${show(actual)}`;
}
