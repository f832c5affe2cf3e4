import type { ChainableCommander, Redis } from 'ioredis';
import type { Channel, ChannelWriteOptions, Journal, JournalEntry, RunControl, RunState } from '../channels/channel';
import { decodeValue, encodeValue } from '../codec/value-codec';
import { notANumber } from '../channels/channel';
import { scripted } from './scripts';
import type { RunKeys } from './keys';

/** Limits a run carries into every job, so workers apply the producer's settings. */
export interface RunLimits {
  /** TTL of the run's keys, in seconds. */
  ttlSeconds: number;
  /** Largest encoded result, branch value or channel write. */
  maxPayloadBytes: number;
}

/** The channel over Redis: one key per entry (so each can have its own TTL) plus an index set. */
export class RedisChannel implements Channel {
  constructor(
    private readonly redis: Redis,
    private readonly runKeys: RunKeys,
    private readonly limits: RunLimits,
  ) {}

  /**
   * Appends to `multi`, after the write: register `key` in the run's index, and give the entry the
   * write's TTL (or the run's, when it has none).
   */
  private indexed(multi: ChainableCommander, key: string, options?: ChannelWriteOptions): ChainableCommander {
    const k = this.runKeys.channel(key);
    multi.sadd(this.runKeys.channelIndex, key).expire(this.runKeys.channelIndex, this.limits.ttlSeconds);
    return options?.ttlMs !== undefined ? multi.pexpire(k, options.ttlMs) : multi.expire(k, this.limits.ttlSeconds, 'NX');
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const k = this.runKeys.channel(key);
    const type = await this.redis.type(k);
    if (type === 'none') return undefined;
    if (type === 'list') return (await this.redis.lrangeBuffer(k, 0, -1)).map(decodeValue) as T;
    const raw = await this.redis.getBuffer(k);
    return raw === null ? undefined : (decodeValue(raw) as T);
  }

  async set(key: string, value: unknown, options?: ChannelWriteOptions): Promise<void> {
    const bytes = encodeValue(value, `channel value '${key}'`, this.limits.maxPayloadBytes);
    // SET clears the old TTL; the expiry that indexed() appends after it sets the new one.
    await this.indexed(this.redis.multi().set(this.runKeys.channel(key), bytes), key, options).exec();
  }

  async delete(key: string): Promise<boolean> {
    const [[, removed]] = (await this.redis.multi().del(this.runKeys.channel(key)).srem(this.runKeys.channelIndex, key).exec()) as [[unknown, number]];
    return removed === 1;
  }

  async keys(): Promise<string[]> {
    const members = (await this.redis.smembers(this.runKeys.channelIndex)).sort();
    if (members.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const m of members) pipeline.exists(this.runKeys.channel(m));
    const exists = (await pipeline.exec()) ?? [];
    const live = members.filter((_, i) => exists[i]?.[1] === 1);
    const dead = members.filter((_, i) => exists[i]?.[1] !== 1);
    if (dead.length) await this.redis.srem(this.runKeys.channelIndex, ...dead);
    return live;
  }

  async append(key: string, value: unknown, options?: ChannelWriteOptions): Promise<number> {
    const bytes = encodeValue(value, `channel value '${key}'`, this.limits.maxPayloadBytes);
    const replies = await this.indexed(this.redis.multi().rpush(this.runKeys.channel(key), bytes), key, options).exec();
    return replies![0]![1] as number;
  }

  async incr(key: string, by = 1, options?: ChannelWriteOptions): Promise<number> {
    try {
      return await scripted(this.redis).graflowChannelIncr(
        this.runKeys.channel(key), this.runKeys.channelIndex, by, key, options?.ttlMs ?? '', this.limits.ttlSeconds,
      );
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOT_A_NUMBER')) throw notANumber(key);
      throw err;
    }
  }
}

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

  async getResult(nodeId: string): Promise<{ found: boolean; value?: unknown }> {
    const raw = await this.redis.hgetBuffer(this.keys.results, nodeId);
    return raw === null ? { found: false } : { found: true, value: decodeValue(raw) };
  }

  async results(): Promise<Record<string, unknown>> {
    const all = await this.redis.hgetallBuffer(this.keys.results);
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, decodeValue(v)]));
  }

  async setControl(control: RunControl): Promise<void> {
    const fields = control.reason === undefined ? ['kind', control.kind] : ['kind', control.kind, 'reason', control.reason];
    // The first control wins: a cancel after a terminate (or the reverse) changes nothing.
    if ((await this.redis.hsetnx(this.keys.control, 'kind', control.kind)) === 1) {
      await this.redis.multi().hset(this.keys.control, ...fields).expire(this.keys.control, this.limits.ttlSeconds).exec();
    }
  }

  async getControl(): Promise<RunControl | undefined> {
    const c = await this.redis.hgetall(this.keys.control);
    if (c.kind !== 'terminated' && c.kind !== 'cancelled') return undefined;
    return c.reason === undefined ? { kind: c.kind } : { kind: c.kind, reason: c.reason };
  }
}

export interface JournalOptions {
  /** The branch job's first start: nothing is journaled yet, so reads are skipped. */
  fresh?: boolean;
  /** The branch is one task: a step that asked for no follow-up need not be journaled. */
  loneTask?: boolean;
}

/** The replay journal of one branch execution, in a Redis hash. */
export class RedisJournal implements Journal {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly limits: RunLimits,
    private readonly options: JournalOptions = {},
  ) {}

  async get(step: string): Promise<JournalEntry | undefined> {
    if (this.options.fresh) return undefined;
    const raw = await this.redis.hgetBuffer(this.key, step);
    return raw === null ? undefined : (decodeValue(raw) as JournalEntry);
  }

  async put(step: string, entry: JournalEntry): Promise<void> {
    const d = entry.directives as { next?: unknown[]; iterate?: unknown; terminate?: unknown } | undefined;
    if (this.options.loneTask && !d?.next?.length && !d?.iterate && !d?.terminate) return;
    const bytes = encodeValue(entry, `journal entry '${step}'`, this.limits.maxPayloadBytes);
    await this.redis.multi().hset(this.key, step, bytes).expire(this.key, this.limits.ttlSeconds).exec();
  }
}
