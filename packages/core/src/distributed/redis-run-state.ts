import type { Redis } from 'ioredis';
import type { Channel, Journal, JournalEntry, RunControl, RunState } from '../channels/channel';
import { decodeValue, encodeValue } from '../codec/value-codec';
import type { RunKeys } from './keys';
import { RedisChannel } from './redis-channel';
import { scripted } from './scripts';
import type { RunLimits } from './run-limits';

export type { RunLimits };


/** Results, channel and control flags of one run in Redis, all expiring with the run's TTL. */
export class RedisRunState implements RunState {
  readonly channel: Channel;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RunKeys,
    private readonly limits: RunLimits,
  ) {
    this.channel = new RedisChannel(redis, keys, limits);
  }

  async setResult(nodeId: string, value: unknown): Promise<void> {
    const bytes = encodeValue(value, `result of '${nodeId}'`, this.limits.maxPayloadBytes);
    await this.redis.multi().hset(this.keys.results, nodeId, bytes).expire(this.keys.results, this.limits.ttlSeconds).exec();
  }

  /** A control hash read together with something else (see `ProducerGroupExecutor`): the next `getControl()` uses it. */
  private primed: Record<string, string> | undefined;

  primeControl(raw: Record<string, string>): void {
    this.primed = raw;
  }

  async getResult(nodeId: string): Promise<{ found: boolean; value?: unknown }> {
    const raw = await this.redis.hgetBuffer(this.keys.results, nodeId);
    return raw === null ? { found: false } : { found: true, value: decodeValue(raw) };
  }

  async results(): Promise<Record<string, unknown>> {
    return decodeResults(await this.redis.hgetallBuffer(this.keys.results));
  }

  async final(): Promise<{ control: RunControl | undefined; results: Record<string, unknown> }> {
    const replies = await this.redis.pipeline().hgetall(this.keys.control).hgetallBuffer(this.keys.results).exec();
    const [[controlErr, control], [resultsErr, results]] = replies as [[Error | null, Record<string, string>], [Error | null, Record<string, Buffer>]];
    if (controlErr) throw controlErr;
    if (resultsErr) throw resultsErr;
    return { control: parseControl(control), results: decodeResults(results) };
  }

  async setControl(control: RunControl): Promise<void> {
    // The first control wins: a cancel after a terminate (or the reverse) changes nothing.
    const hasReason = control.reason === undefined ? '' : '1';
    await scripted(this.redis).graflowRunControl(this.keys.control, control.kind, hasReason, control.reason ?? '', this.limits.ttlSeconds);
  }

  async getControl(): Promise<RunControl | undefined> {
    const primed = this.primed;
    this.primed = undefined;
    return parseControl(primed ?? (await this.redis.hgetall(this.keys.control)));
  }
}

function parseControl(c: Record<string, string>): RunControl | undefined {
  if (c.kind !== 'terminated' && c.kind !== 'cancelled') return undefined;
  return c.reason === undefined ? { kind: c.kind } : { kind: c.kind, reason: c.reason };
}

/** The results hash decoded; '' is the placeholder run-claim creates it with (node ids are never empty). */
function decodeResults(all: Record<string, Buffer>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(all).filter(([k]) => k !== '').map(([k, v]) => [k, decodeValue(v)]));
}

export interface JournalOptions {
  /** The branch job's first start: nothing is journaled yet, so reads are skipped. */
  fresh?: boolean;
  /** The branch is one task: a step that asked for no follow-up need not be journaled. */
  loneTask?: boolean;
}

/** The replay journal of one branch execution, in a Redis hash that follows the run's TTL. */
export class RedisJournal implements Journal {
  private journalKey: string | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RunKeys,
    private readonly branchPath: string,
    private readonly limits: RunLimits,
    private readonly options: JournalOptions = {},
  ) {}

  /** Computed on first use: most branches (a lone task's first start) never read or write it. */
  private get key(): string {
    this.journalKey ??= this.keys.journal(this.branchPath);
    return this.journalKey;
  }

  async get(step: string): Promise<JournalEntry | undefined> {
    if (this.options.fresh) return undefined;
    const raw = await this.redis.hgetBuffer(this.key, step);
    return raw === null ? undefined : (decodeValue(raw) as JournalEntry);
  }

  async put(step: string, entry: JournalEntry): Promise<void> {
    const d = entry.directives as { next?: unknown[]; iterate?: unknown; terminate?: unknown } | undefined;
    if (this.options.loneTask && !d?.next?.length && !d?.iterate && !d?.terminate) return;
    const bytes = encodeValue(entry, `journal entry '${step}'`, this.limits.maxPayloadBytes);
    const ttl = this.limits.ttlSeconds;
    const { runKeys } = this.keys;
    await this.redis.multi().hset(this.key, step, bytes).expire(this.key, ttl).sadd(runKeys, this.key).expire(runKeys, ttl).exec();
  }
}
