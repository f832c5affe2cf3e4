import { decodeValue, encodeValue } from '../codec/value-codec';
import * as errorClasses from '../errors';
import {
  describeThrown, GRAFLOW_ERROR_BRAND, GraflowError, GroupTimeoutError, isGraflowError, NoWorkerActivityError, ParallelGroupError, PayloadTooLargeError,
  type BranchFailure, type NoWorkerObservation,
} from '../errors';
import { RemoteError } from '../errors/remote-error';
import * as runErrorClasses from '../errors/run-errors';
import { decidePolicy, describePolicy } from '../policies/policy';
import type { BarrierMeta, BranchOutcome, Decision } from './barrier';
import type { GroupInstance } from './group-instance';

/** Outcomes recorded before the decision, by member id (late ones are left out). */
export async function readOutcomes(
  instance: GroupInstance,
  recorded?: Map<number, BranchOutcome>,
): Promise<{ succeeded: Record<string, unknown>; failed: BranchFailure[] }> {
  const succeeded: Record<string, unknown> = {};
  const failed: BranchFailure[] = [];
  for (const [index, { ok, late, payload }] of recorded ?? (await instance.barrier.outcomes())) {
    if (late) continue;
    const memberId = instance.group.members[index] ?? `#${index}`;
    if (ok) succeeded[memberId] = decodeValue(payload);
    else failed.push({ taskId: memberId, error: remoteError(decodeValue(payload)) });
  }
  return { succeeded, failed };
}

/** A custom policy is evaluated where an outcome arrives; built-in ones decide inside Lua. */
export async function applyCustomPolicy(instance: GroupInstance): Promise<Decision | undefined> {
  const spec = instance.group.policy;
  if (typeof spec !== 'object' || !('custom' in spec)) return undefined;
  const { succeeded, failed } = await readOutcomes(instance);
  const decision = decidePolicy(spec, { total: instance.group.members.length, succeeded: Object.keys(succeeded), failed: failed.map((f) => f.taskId) });
  if (decision === 'pending') return undefined;
  return (await instance.barrier.decide(decision, 'custom policy')) ? decision : undefined;
}

/** The group's value once decided, or the error its decision means. */
export async function settleDecided(
  instance: GroupInstance,
  meta: Pick<BarrierMeta, 'decided' | 'decidedReason' | 'decidedDetail'>,
  recorded?: Map<number, BranchOutcome>,
): Promise<Record<string, unknown>> {
  const { succeeded, failed } = await readOutcomes(instance, recorded);
  const { group } = instance;
  const reason = meta.decidedReason;
  if (meta.decided === 'succeeded') {
    return Object.fromEntries(group.members.filter((m) => m in succeeded).map((m) => [m, succeeded[m]]));
  }
  if (reason === 'timeout') {
    throw new GroupTimeoutError(group.id, group.timeoutMs ?? 0, group.members.filter((m) => !(m in succeeded) && !failed.some((f) => f.taskId === m)));
  }
  if (reason === 'no-worker') throw new NoWorkerActivityError(parseObservation(meta.decidedDetail, group.id));
  const order = (id: string) => group.members.indexOf(id);
  failed.sort((a, b) => order(a.taskId) - order(b.taskId));
  throw new ParallelGroupError(group.id, failed, group.members.filter((m) => m in succeeded), describePolicy(group.policy));
}

/**
 * An error as it crosses Redis (msgpack). Our own errors keep their fields, so the class is
 * rebuilt on the other side (a `ParallelGroupError` with its `failed` list, each entry with its
 * own summary); every error keeps its stack, bounded.
 */
export interface ErrorSummary {
  name: string;
  message: string;
  code?: string;
  /** Where it was thrown (the first process's stack, however many hops it made). */
  stack?: string;
  /** JSON-safe own fields of a Graflow error (`groupId`, `taskId`, `timeoutMs`, ...). */
  fields?: Record<string, unknown>;
  /** A `ParallelGroupError`'s failed branches. */
  failed?: Array<{ taskId: string; error: ErrorSummary }>;
}

/** Bounds that keep a summary small whatever was thrown. */
const MAX_STACK_CHARS = 4_000;
const MAX_FIELD_CHARS = 1_000;
const MAX_FAILED = 1_000;
/** Failed branches past this many travel without their stacks. */
const MAX_FAILED_WITH_STACK = 10;
const NOT_FIELDS = new Set(['name', 'message', 'code', 'stack', 'cause', 'failed']);

/** Our error classes by name, so a summary becomes the same class again. */
type ErrorClass = new (...args: never[]) => Error;
const REBUILDABLE = new Map<string, ErrorClass>(
  ([...Object.values(errorClasses), ...Object.values(runErrorClasses)] as unknown[])
    .filter((v): v is ErrorClass => typeof v === 'function' && (v === GraflowError || Object.prototype.isPrototypeOf.call(GraflowError.prototype, v.prototype)))
    .map((cls) => [(cls as unknown as typeof GraflowError).errorName, cls]),
);

/**
 * Rebuilds an error from its summary: our classes come back as themselves (`instanceof` works,
 * fields included), others as an `Error` with the same name. The remote stack is the `cause`,
 * a `RemoteError`.
 */
export function remoteError(summary: unknown): Error {
  const s = (typeof summary === 'object' && summary !== null ? summary : {}) as Partial<ErrorSummary>;
  const name = typeof s.name === 'string' ? s.name : 'Error';
  const message = typeof s.message === 'string' ? s.message : 'branch failed';
  const err = new Error(message) as Error & Record<string, unknown>;
  const cls = REBUILDABLE.get(name);
  if (cls) {
    Object.setPrototypeOf(err, cls.prototype);
    (err as unknown as Record<symbol, boolean>)[GRAFLOW_ERROR_BRAND] = true;
  }
  err.name = name;
  // The stack is where it was rebuilt (the origin's is the cause's); its header names the class.
  if (err.stack?.startsWith('Error')) err.stack = `${name}${err.stack.slice('Error'.length)}`;
  if (typeof s.code === 'string') err.code = s.code;
  if (typeof s.fields === 'object' && s.fields !== null) {
    for (const [key, value] of Object.entries(s.fields)) if (!NOT_FIELDS.has(key)) err[key] = value;
  }
  if (Array.isArray(s.failed)) err.failed = s.failed.map((f) => ({ taskId: String(f?.taskId), error: remoteError(f?.error) }));
  else if (name === 'ParallelGroupError') err.failed = [];
  if (typeof s.stack === 'string') {
    Object.defineProperty(err, 'cause', { value: new RemoteError(name, message, s.stack), writable: true, configurable: true, enumerable: false });
  }
  return err;
}

export function errorSummary(err: unknown): ErrorSummary {
  if (err instanceof Error) return summarizeError(err, true);
  // Not an Error: keep what can be shown of the thrown value, exactly as the in-process path does.
  return { name: 'Error', message: describeThrown(err) };
}

function summarizeError(err: Error, withStack: boolean): ErrorSummary {
  const code = (err as Error & { code?: unknown }).code;
  const out: ErrorSummary = { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  // A rebuilt remote error's own stack is where it was rebuilt; the origin's is its cause's.
  const stack = withStack ? (err.cause instanceof RemoteError ? err.cause.stack : err.stack) : undefined;
  if (stack) out.stack = stack.length > MAX_STACK_CHARS ? `${stack.slice(0, MAX_STACK_CHARS)}\n    … (stack truncated)` : stack;
  if (!isGraflowError(err)) return out;
  const fields = plainFields(err);
  if (fields) out.fields = fields;
  const failed = (err as Error & { failed?: unknown }).failed;
  if (Array.isArray(failed)) {
    out.failed = (failed as BranchFailure[]).slice(0, MAX_FAILED).filter((f) => f?.error instanceof Error).map((f, i) => ({
      taskId: String(f.taskId),
      error: summarizeError(f.error, withStack && i < MAX_FAILED_WITH_STACK),
    }));
  }
  return out;
}

/** Own fields that survive JSON and stay small: primitives, lists of them, flat records of them. */
function plainFields(err: Error): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    if (NOT_FIELDS.has(key)) continue;
    const kept = plain(value, 1);
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length ? out : undefined;
}

function plain(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return value.length > MAX_FIELD_CHARS ? `${value.slice(0, MAX_FIELD_CHARS)}…` : value;
  if (depth === 0 || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => plain(v, 0)).filter((v) => v !== undefined);
  if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const kept = plain(v, 0);
    if (kept !== undefined) out[k] = kept;
  }
  return out;
}

/**
 * An error summary encoded under the run's payload limit: whole if it fits, else without stacks
 * and fields, else its name and a clipped message. An error must always reach its barrier.
 */
export function encodeErrorSummary(err: unknown, what: string, maxBytes: number): Buffer {
  const full = errorSummary(err);
  const lean = (s: ErrorSummary): ErrorSummary => ({
    name: s.name, message: s.message, ...(s.code ? { code: s.code } : {}), ...(s.failed ? { failed: s.failed.map((f) => ({ taskId: f.taskId, error: lean(f.error) })) } : {}),
  });
  const attempts = [
    () => full,
    () => lean(full),
    () => ({ name: full.name, message: full.message.slice(0, Math.max(16, Math.floor(maxBytes / 2) - 64)), ...(full.code ? { code: full.code } : {}) }),
  ];
  for (let i = 0; ; i++) {
    try {
      return encodeValue(attempts[i]!(), what, maxBytes);
    } catch (e) {
      if (!(e instanceof PayloadTooLargeError) || i === attempts.length - 1) throw e;
    }
  }
}

/** The observation a producer stored when it decided 'no-worker' (see ProducerGroupExecutor). */
function parseObservation(detail: string | undefined, groupId: string): NoWorkerObservation {
  try {
    const parsed = JSON.parse(detail ?? '') as NoWorkerObservation;
    if (typeof parsed.queue === 'string' && typeof parsed.keyPrefix === 'string') return parsed;
  } catch {
    // fall through: an older or foreign decision
  }
  return { groupId, keyPrefix: '?', queue: '?', waitedMs: 0 };
}
