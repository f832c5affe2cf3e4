import type { Redis } from 'ioredis';
import type { PolicySpec } from '../graph/types';
import type { BarrierKeys } from './keys';
import { scripted, type ScriptClient } from './scripts';

export type Decision = 'succeeded' | 'failed';

export enum RecordCode {
  IndexOutOfRange = -2,
  NoBarrier = -1,
  Duplicate = 0,
  Pending = 1,
  /** @public barrier-record-6.lua returns it; callers treat it as the default "decided" case. */
  DecidedSuccess = 2,
  DecidedFailure = 3,
  /** @public barrier-record-6.lua returns it for an outcome after the decision. */
  Late = 4,
}

export interface RecordResult {
  code: RecordCode;
  done: number;
  ok: number;
  fail: number;
  decided: Decision | '';
}

export interface BranchOutcome {
  ok: boolean;
  late: boolean;
  payload: Buffer;
}

export interface BarrierMeta {
  total: number;
  done: number;
  ok: number;
  fail: number;
  decided: Decision | '';
  decidedReason?: string;
  decidedDetail?: string;
  dispatched: boolean;
  kind: string;
}

/** Who to tell when the group is decided: a producer's wake channel and the group's name there. */
export interface WakeTarget {
  channel: string;
  message: string;
}

/** The field barrier-init creates the outcome hash with (so it exists with its TTL from the start). */
const OUTCOMES_PLACEHOLDER = '-';

/** Policy spec to the barrier's (kind, param); critical ids become branch indexes. */
export function policyArgs(spec: PolicySpec, members: string[]): { kind: string; param: string } {
  if (spec === 'strict' || spec === 'best_effort') return { kind: spec, param: '' };
  if ('atLeast' in spec) return { kind: 'atLeast', param: String(spec.atLeast) };
  if ('critical' in spec) return { kind: 'critical', param: `,${spec.critical.map((id) => members.indexOf(id)).join(',')},` };
  return { kind: 'custom', param: spec.custom };
}

/** Typed wrappers over the barrier's Lua scripts; key order is computed here and nowhere else. */
export class Barrier {
  private readonly scripts: ScriptClient;

  constructor(
    private readonly redis: Redis,
    readonly keys: BarrierKeys,
    private readonly ttlSeconds: number,
    /** The producer waiting on this group, if any (a nested group's waiter is its parent job). */
    readonly wake?: WakeTarget,
    /** The run's notify channel when the run has events on: the scripts then report group events. */
    private readonly eventsChannel = '',
  ) {
    this.scripts = scripted(redis);
  }

  /**
   * Creates the barrier; false when it already existed. Redis runs it before whatever the caller
   * writes next on the same connection (see `scripted` for why a script keeps its place).
   */
  async init(total: number, spec: PolicySpec, members: string[], groupId: string): Promise<boolean> {
    const { kind, param } = policyArgs(spec, members);
    const { meta, outcomes, runKeys, groups, events, groupKey } = this.keys;
    const created = await this.scripts.graflowBarrierInit(meta, outcomes, runKeys, groups, events, total, kind, param, this.ttlSeconds, groupId, groupKey, this.eventsChannel);
    return created === 1;
  }

  /** Records a branch outcome; with `resultOf`, an ok payload is also stored as that node's result. */
  async record(index: number, status: 'ok' | 'fail', payload: Buffer, resultOf = ''): Promise<RecordResult> {
    const [code, done, ok, fail, decided] = await this.scripts.graflowBarrierRecord(
      this.keys.meta, this.keys.outcomes, this.keys.results, this.keys.events, this.keys.control, this.keys.groupJob ?? this.keys.meta,
      index, status, payload, this.ttlSeconds, resultOf, this.wake?.channel ?? '', this.wake?.message ?? '', this.eventsChannel,
    );
    return { code, done, ok, fail, decided: decided as Decision | '' };
  }

  /** Decides from outside the record script; true when this call decided. */
  async decide(decision: Decision, reason: string, detail = ''): Promise<boolean> {
    const { meta, events } = this.keys;
    return (await this.scripts.graflowBarrierDecide(meta, events, decision, reason, detail, this.wake?.channel ?? '', this.wake?.message ?? '', this.eventsChannel, this.ttlSeconds)) === 1;
  }

  async meta(): Promise<BarrierMeta | undefined> {
    return parseMeta(await this.redis.hgetall(this.keys.meta));
  }

  /** A redelivered branch's first look, in one call: the barrier, and whether `index` is recorded. */
  async lookup(index: number): Promise<{ meta: BarrierMeta | undefined; recorded: boolean }> {
    const [recorded, ...flat] = await this.scripts.graflowBarrierLookup(this.keys.meta, this.keys.outcomes, index);
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
    return { meta: parseMeta(fields), recorded: recorded === 1 };
  }

  async markDispatched(): Promise<void> {
    await this.redis.hset(this.keys.meta, 'dispatched', 1);
  }

  /**
   * The meta and, once decided, every outcome, plus the hash `alsoRead` (the run's control flags):
   * one round trip for the waiter that was just woken.
   */
  async snapshot(alsoRead: string): Promise<{ meta: BarrierMeta | undefined; outcomes?: Map<number, BranchOutcome>; also: Record<string, string> }> {
    // Three plain commands written in one tick share one socket write (see createRedisClient),
    // like a pipeline, without building an ioredis Pipeline (it copies every script defined on the client).
    const [meta, outcomes, also] = await Promise.all([this.redis.hgetall(this.keys.meta), this.redis.hgetallBuffer(this.keys.outcomes), this.redis.hgetall(alsoRead)]);
    const parsed = parseMeta(meta);
    return parsed?.decided ? { meta: parsed, outcomes: parseOutcomes(outcomes), also } : { meta: parsed, also };
  }

  /** Recorded outcomes by branch index; `late` ones arrived after the decision. */
  async outcomes(): Promise<Map<number, BranchOutcome>> {
    return parseOutcomes(await this.redis.hgetallBuffer(this.keys.outcomes));
  }
}

/** What a decided barrier's waiter reads: its meta and outcomes, and the run's control flags. */
export interface DecisionSnapshot {
  meta: BarrierMeta;
  outcomes: Map<number, BranchOutcome>;
  also: Record<string, string>;
}

/**
 * The snapshot a deciding record sends with its wake-up (see barrier-record-6.lua): "S1", then
 * the meta, outcomes and control hashes, each as "<count>:" and count netstrings. Undefined for
 * anything else (a message without one, or one this version cannot read): the waiter then reads.
 */
export function parseDecisionSnapshot(bytes: Buffer): DecisionSnapshot | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x53 || bytes[1] !== 0x31) return undefined; // "S1"
  // A producer parses one per run: digits are read in place, without a string per count.
  let at = 2;
  const count = (): number => {
    let n = 0;
    const first = at;
    for (let c = bytes[at]; c !== 0x3a; c = bytes[++at]) {
      if (c === undefined || c < 0x30 || c > 0x39 || at - first > 9) throw new RangeError('not a count');
      n = n * 10 + (c - 0x30);
    }
    if (at === first) throw new RangeError('not a count');
    at++;
    return n;
  };
  /** Skips one netstring; its bytes are then [at - length, at). */
  const skip = (): number => {
    const length = count();
    if (at + length > bytes.length) throw new RangeError('truncated');
    at += length;
    return length;
  };
  const text = (): string => {
    const length = skip();
    return bytes.toString('utf8', at - length, at);
  };
  const field = (): Buffer => {
    const length = skip();
    return bytes.subarray(at - length, at);
  };
  /** One hash: a field count, then field names and values (each read by `value`). */
  const hash = <V>(value: () => V): Record<string, V> => {
    const out: Record<string, V> = {};
    const n = count();
    if (n % 2 !== 0) throw new RangeError('odd field count');
    for (let i = 0; i < n; i += 2) out[text()] = value();
    return out;
  };
  try {
    const meta = parseMeta(hash(text));
    const outcomes = parseOutcomes(hash(field));
    const also = hash(text);
    if (at !== bytes.length || !meta?.decided) return undefined;
    return { meta, outcomes, also };
  } catch {
    return undefined;
  }
}

/** The outcome hash to outcomes by branch index (the placeholder field left out). */
function parseOutcomes(raw: Record<string, Buffer>): Map<number, BranchOutcome> {
  const out = new Map<number, BranchOutcome>();
  for (const [index, value] of Object.entries(raw)) {
    if (index === OUTCOMES_PLACEHOLDER) continue;
    const colon = value.indexOf(0x3a);
    // The status is "ok", "fail", "lateok" or "latefail": its last letter ('k' or 'l') tells ok
    // from fail, and only a late one starts with 'l'.
    out.set(Number(index), { ok: value[colon - 1] === 0x6b, late: value[0] === 0x6c, payload: value.subarray(colon + 1) });
  }
  return out;
}

/** Meta hash fields to numbers; undefined when the barrier does not exist. */
function parseMeta(m: Record<string, string>): BarrierMeta | undefined {
  if (m.total === undefined) return undefined;
  const meta: BarrierMeta = {
    total: Number(m.total),
    done: Number(m.done),
    ok: Number(m.ok),
    fail: Number(m.fail),
    decided: (m.decided ?? '') as Decision | '',
    dispatched: m.dispatched === '1',
    kind: m.kind ?? '',
  };
  if (m.decidedReason) meta.decidedReason = m.decidedReason;
  if (m.decidedDetail) meta.decidedDetail = m.decidedDetail;
  return meta;
}
