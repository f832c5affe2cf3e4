import { GraphDefinitionError, InvalidOptionError } from '../errors';
import type { PolicySpec } from '../graph/types';
import { globalSlot } from '../registry/global-slot';

/** What a policy sees: branch node ids by outcome, and how many branches there are. */
export interface PolicyState {
  total: number;
  succeeded: readonly string[];
  failed: readonly string[];
}

export type PolicyDecision = 'pending' | 'succeeded' | 'failed';

/** A custom policy: `decide` is called after every branch outcome. It must be pure. */
export interface CustomPolicy {
  name: string;
  decide(state: PolicyState): PolicyDecision;
}

/** Any policy a group accepts. */
export type GroupPolicy = 'strict' | 'best_effort' | { atLeast: number } | { critical: string[] } | CustomPolicy;

const customPolicies = globalSlot('graflow.policy-registry.v1', () => new Map<string, CustomPolicy>());

/**
 * Registers a custom policy by name. Workers must register it too (define it in a tasks module),
 * since distributed groups decide where the branch outcome arrives.
 */
export function definePolicy(name: string, decide: CustomPolicy['decide']): CustomPolicy {
  if (typeof name !== 'string' || name === '') throw new InvalidOptionError('definePolicy(name)', name, 'a non-empty string');
  if (typeof decide !== 'function') throw new InvalidOptionError(`definePolicy('${name}', decide)`, decide, 'a function (state) => decision');
  const policy: CustomPolicy = { name, decide };
  customPolicies.set(name, policy);
  return policy;
}

export function isCustomPolicy(value: unknown): value is CustomPolicy {
  return typeof value === 'object' && value !== null && typeof (value as CustomPolicy).decide === 'function';
}

/** Turns what the user passed into the serializable spec; custom policies get registered. */
export function toPolicySpec(policy: GroupPolicy, where: string): PolicySpec {
  if (policy === 'strict' || policy === 'best_effort') return policy;
  if (isCustomPolicy(policy)) {
    if (typeof policy.name !== 'string' || !policy.name) throw new InvalidOptionError(`${where}.policy.name`, policy.name, 'a non-empty string');
    customPolicies.set(policy.name, policy);
    return { custom: policy.name };
  }
  if (typeof policy === 'object' && policy !== null) {
    const keys = Object.keys(policy);
    if (keys.length > 1 && ('atLeast' in policy || 'critical' in policy)) {
      const extra = keys.find((k) => k !== ('atLeast' in policy ? 'atLeast' : 'critical'))!;
      throw new InvalidOptionError(`${where}.policy.${extra}`, (policy as Record<string, unknown>)[extra], "nothing: a policy is one of { atLeast } or { critical }");
    }
    if ('atLeast' in policy) {
      const n = policy.atLeast;
      // A group that needs no branch to succeed cannot fail: that is best_effort, or a mistake.
      if (!Number.isInteger(n) || n < 1) throw new InvalidOptionError(`${where}.policy.atLeast`, n, "an integer >= 1 (for no minimum, use 'best_effort')");
      return { atLeast: n };
    }
    if ('critical' in policy) {
      const critical = policy.critical as unknown;
      if (!Array.isArray(critical) || critical.some((c) => typeof c !== 'string' || c === '')) {
        throw new InvalidOptionError(`${where}.policy.critical`, critical, 'an array of branch ids');
      }
      if (critical.length === 0) throw new InvalidOptionError(`${where}.policy.critical`, critical, "at least one branch id (for none, use 'best_effort')");
      return { critical: [...new Set(critical as string[])] };
    }
  }
  throw new InvalidOptionError(`${where}.policy`, policy, "'strict', 'best_effort', { atLeast }, { critical } or a custom policy");
}

/** Checks a spec against the group's members (atLeast within range, critical ids present). */
export function validatePolicySpec(spec: PolicySpec, groupId: string, members: string[]): void {
  if (typeof spec === 'object' && 'atLeast' in spec && spec.atLeast > members.length) {
    throw new GraphDefinitionError(
      `group '${groupId}': policy atLeast=${spec.atLeast} can never be met by ${members.length} branches`,
      groupId,
    );
  }
  if (typeof spec === 'object' && 'critical' in spec) {
    const unknown = spec.critical.filter((id) => !members.includes(id));
    if (unknown.length) {
      throw new GraphDefinitionError(
        `group '${groupId}': critical branch(es) ${unknown.map((u) => `'${u}'`).join(', ')} are not members; members: ${members.join(', ')}`,
        groupId,
      );
    }
  }
}

export function lookupCustomPolicy(name: string): CustomPolicy {
  const policy = customPolicies.get(name);
  if (!policy) throw new GraphDefinitionError(`custom policy '${name}' is not registered in this process`);
  return policy;
}

/** The decision of any policy for the current state. Success always needs every branch done. */
export function decidePolicy(spec: PolicySpec, state: PolicyState): PolicyDecision {
  const done = state.succeeded.length + state.failed.length;
  const allDone = done >= state.total;
  if (spec === 'strict') return state.failed.length > 0 ? 'failed' : allDone ? 'succeeded' : 'pending';
  if (spec === 'best_effort') return allDone ? 'succeeded' : 'pending';
  if ('atLeast' in spec) {
    if (state.total - state.failed.length < spec.atLeast) return 'failed';
    return allDone ? 'succeeded' : 'pending';
  }
  if ('critical' in spec) {
    if (state.failed.some((id) => spec.critical.includes(id))) return 'failed';
    return allDone ? 'succeeded' : 'pending';
  }
  const decision = lookupCustomPolicy(spec.custom).decide(state);
  // BSP: a custom policy may fail early, but success waits for every branch.
  return decision === 'succeeded' && !allDone ? 'pending' : decision;
}

export function describePolicy(spec: PolicySpec): string {
  if (typeof spec === 'string') return spec;
  if ('atLeast' in spec) return `atLeast ${spec.atLeast}`;
  if ('critical' in spec) return `critical [${spec.critical.join(', ')}]`;
  return `custom '${spec.custom}'`;
}
