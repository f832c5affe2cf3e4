import type { Redis } from 'ioredis';
import type { Channel, ChannelWriteOptions } from '../channels/channel';
import { assertIncrement, notAList, notANumber } from '../channels/channel';
import { decodeValue, encodeValue } from '../codec/value-codec';
import type { RunKeys } from './keys';
import type { RunLimits } from './run-limits';
import { scripted } from './scripts';

/**
 * The channel over Redis: one key per entry (so each can have its own TTL) plus an index set.
 * An entry written without a TTL follows the run's (it is in the run's key set); one written with
 * `ttlMs` keeps its own.
 */
export class RedisChannel implements Channel {
  constructor(
    private readonly redis: Redis,
    private readonly runKeys: RunKeys,
    private readonly limits: RunLimits,
  ) {}

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
    const k = this.runKeys.channel(key);
    const { channelIndex, runKeys } = this.runKeys;
    const ttl = this.limits.ttlSeconds;
    // SET clears the old TTL; the expiry after it sets the new one, in the same transaction.
    const multi = this.redis.multi().set(k, bytes).sadd(channelIndex, key).expire(channelIndex, ttl);
    if (options?.ttlMs !== undefined) multi.pexpire(k, options.ttlMs).srem(runKeys, k);
    else multi.expire(k, ttl).sadd(runKeys, k);
    await multi.exec();
  }

  async delete(key: string): Promise<boolean> {
    const k = this.runKeys.channel(key);
    const replies = await this.redis.multi().del(k).srem(this.runKeys.channelIndex, key).srem(this.runKeys.runKeys, k).exec();
    return replies?.[0]?.[1] === 1;
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
    const { channelIndex, runKeys } = this.runKeys;
    try {
      return await scripted(this.redis).graflowChannelAppend(
        this.runKeys.channel(key), channelIndex, runKeys, bytes, key, options?.ttlMs ?? '', this.limits.ttlSeconds,
      );
    } catch (err) {
      // The key holds a value `set` wrote: both backends refuse to append to it the same way.
      if (err instanceof Error && /WRONGTYPE/.test(err.message)) throw notAList(key);
      throw err;
    }
  }

  async incr(key: string, by = 1, options?: ChannelWriteOptions): Promise<number> {
    assertIncrement(key, by);
    const { channelIndex, runKeys } = this.runKeys;
    try {
      return await scripted(this.redis).graflowChannelIncr(
        this.runKeys.channel(key), channelIndex, runKeys, by, key, options?.ttlMs ?? '', this.limits.ttlSeconds,
      );
    } catch (err) {
      if (err instanceof Error && /NOT_A_NUMBER|WRONGTYPE/.test(err.message)) throw notANumber(key);
      throw err;
    }
  }
}
