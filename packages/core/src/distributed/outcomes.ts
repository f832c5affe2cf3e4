import { decodeValue } from '../codec/value-codec';
import { describeThrown, GroupTimeoutError, NoWorkerActivityError, ParallelGroupError, type BranchFailure, type NoWorkerObservation } from '../errors';
import { decidePolicy, describePolicy } from '../policies/policy';
import type { BarrierMeta, Decision } from './barrier';
import type { GroupInstance } from './group-instance';

/** Outcomes recorded before the decision, by member id (late ones are left out). */
export async function readOutcomes(instance: GroupInstance): Promise<{ succeeded: Record<string, unknown>; failed: BranchFailure[] }> {
  const succeeded: Record<string, unknown> = {};
  const failed: BranchFailure[] = [];
  for (const [index, { ok, late, payload }] of await instance.barrier.outcomes()) {
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
export async function settleDecided(instance: GroupInstance, meta: Pick<BarrierMeta, 'decided' | 'decidedReason' | 'decidedDetail'>): Promise<Record<string, unknown>> {
  const { succeeded, failed } = await readOutcomes(instance);
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

/** Error summaries cross Redis as { name, message, code }; rebuild an Error with those fields. */
export function remoteError(summary: unknown): Error {
  const s = (summary ?? {}) as { name?: string; message?: string; code?: string };
  const err = new Error(s.message ?? 'branch failed');
  err.name = s.name ?? 'Error';
  if (s.code) (err as Error & { code?: string }).code = s.code;
  return err;
}

export function errorSummary(err: unknown): { name: string; message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  // Not an Error: keep what can be shown of the thrown value, exactly as the in-process path does.
  return { name: 'Error', message: describeThrown(err) };
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
