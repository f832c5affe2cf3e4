import { randomUUID } from 'node:crypto';
import { InvalidOptionError, resolveRedisConfig } from '@graflow/core';
import { MAX_SHARDS, hashSlotOfTag, runPrefixOf, shardConfigs, shardIndexOfRun, shardPrefixes } from '@graflow/core/redis';
import { CliUsageError } from '../../src/cli/errors';
import { parseRedisFlags } from '../../src/cli/redis-flags';

function optionError(config: Parameters<typeof resolveRedisConfig>[0]): InvalidOptionError {
  try {
    resolveRedisConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    return err as InvalidOptionError;
  }
  throw new Error(`resolveRedisConfig accepted ${JSON.stringify(config)}`);
}

function usageError(parsed: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseRedisFlags(parsed, env);
  } catch (err) {
    expect(err).toBeInstanceOf(CliUsageError);
    return (err as Error).message;
  }
  throw new Error(`the Redis flags accepted ${JSON.stringify(parsed)}`);
}

describe('RedisConfig.shards', () => {
  it('defaults to 1: the namespace is the key prefix itself, braces and all', () => {
    const config = resolveRedisConfig({ keyPrefix: '{app}:wf', cluster: true });
    expect(config.shards).toBe(1);
    expect(shardPrefixes(config)).toEqual(['{app}:wf']);
    expect(shardConfigs(config)).toEqual([config]);
  });

  it('names shard i {<prefix>-<i>-<salt>}, each an unsharded config of the same connection', () => {
    const config = resolveRedisConfig({ keyPrefix: 'app', shards: 3, port: 7000 });
    // Pinned: producers, workers and boards of every version must compute the same names.
    expect(shardPrefixes(config)).toEqual(['{app-0-1}', '{app-1-12}', '{app-2-0}']);
    expect(shardConfigs(config).map((c) => [c.keyPrefix, c.shards, c.port])).toEqual([
      ['{app-0-1}', 1, 7000],
      ['{app-1-12}', 1, 7000],
      ['{app-2-0}', 1, 7000],
    ]);
  });

  it("computes Redis Cluster's hash slot (CRC16/XMODEM mod 16384)", () => {
    // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
    expect(hashSlotOfTag('123456789')).toBe(0x31c3);
    expect(hashSlotOfTag('foo')).toBe(12182);
    expect(hashSlotOfTag('bar')).toBe(5061);
    expect(hashSlotOfTag('hello')).toBe(866);
  });

  it('puts shard i in the middle half of the i-th K-th of the slots, for any prefix and count', () => {
    for (const [keyPrefix, shards] of [['app', 2], ['myapp-workflows', 6], ['gft:x:1f2e', 16], ['ü-tf8', 5], ['big', MAX_SHARDS]] as const) {
      const width = 16_384 / shards;
      shardPrefixes({ keyPrefix, shards }).forEach((prefix, i) => {
        expect(prefix).toMatch(new RegExp(`^\\{${keyPrefix.replace(/[.*+?^$()|[\]\\]/g, '\\$&')}-${i}-\\d+\\}$`));
        const slot = hashSlotOfTag(prefix.slice(1, -1));
        expect(slot).toBeGreaterThanOrEqual(i * width + width / 4);
        expect(slot).toBeLessThan(i * width + (3 * width) / 4);
      });
    }
  });

  it('refuses a bad count, naming the option and the value', () => {
    for (const shards of [0, -1, 1.5, MAX_SHARDS + 1, '4' as unknown as number]) {
      const err = optionError({ shards });
      expect(err.message).toContain('config.shards');
      expect(err.message).toContain(String(shards));
      expect(err.message).toContain(`from 1 to ${MAX_SHARDS}`);
    }
  });

  it('refuses braces in a sharded prefix (each shard is its own hash tag)', () => {
    const err = optionError({ keyPrefix: '{app}:wf', shards: 4 });
    expect(err.message).toContain('config.keyPrefix');
    expect(err.message).toContain('{app}:wf');
    expect(err.message).toContain('shards is 4');
  });

  it('needs no hash tag in the prefix on a Cluster once sharded, and still does unsharded', () => {
    expect(resolveRedisConfig({ keyPrefix: 'app', cluster: true, shards: 6 }).shards).toBe(6);
    expect(optionError({ keyPrefix: 'app', cluster: true }).message).toContain('hash tag');
  });
});

describe('the shard of a run', () => {
  it('is the first four bytes of SHA-256(runId), big-endian, modulo the count (the documented rule)', () => {
    // Vectors from `printf %s <id> | sha256sum`: order-42 -> 3bf8b157, run-1 -> 4e65d3fb.
    expect(shardIndexOfRun('order-42', 8)).toBe(0x3bf8b157 % 8);
    expect(shardIndexOfRun('order-42', 6)).toBe(1);
    expect(shardIndexOfRun('run-1', 8)).toBe(3);
    expect(shardIndexOfRun('run-1', 1)).toBe(0);
    expect(runPrefixOf({ keyPrefix: 'app', shards: 6 }, 'run-1')).toBe(shardPrefixes({ keyPrefix: 'app', shards: 6 })[5]);
    expect(runPrefixOf({ keyPrefix: '{app}', shards: 1 }, 'run-1')).toBe('{app}');
  });

  it('spreads random run ids over every shard', () => {
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6_000; i++) counts[shardIndexOfRun(randomUUID(), 6)]!++;
    // 1,000 expected per shard; 4 standard deviations is about 130.
    for (const n of counts) expect(Math.abs(n - 1_000)).toBeLessThan(200);
  });
});

describe('--redis-shards', () => {
  it('reaches the connection settings from the flag or REDIS_SHARDS, the flag winning', () => {
    expect(parseRedisFlags({ 'redis-shards': '6', 'redis-key-prefix': 'app' }, {}).redis.shards).toBe(6);
    expect(parseRedisFlags({ 'redis-key-prefix': 'app' }, { REDIS_SHARDS: '4' }).redis.shards).toBe(4);
    expect(parseRedisFlags({ 'redis-shards': '2', 'redis-key-prefix': 'app' }, { REDIS_SHARDS: '4' }).redis.shards).toBe(2);
    expect(parseRedisFlags({}, {}).redis).not.toHaveProperty('shards');
  });

  it('takes a Cluster prefix without braces once sharded', () => {
    const { redis, keyPrefix } = parseRedisFlags({ 'redis-cluster': true, 'redis-shards': '6', 'redis-key-prefix': 'app' }, {});
    expect(redis).toMatchObject({ cluster: true, shards: 6 });
    expect(keyPrefix).toBe('app');
  });

  it('refuses a bad count or a braced prefix in one line naming the flag or variable', () => {
    expect(usageError({ 'redis-shards': '0' })).toBe(`invalid value for --redis-shards: "0" (expected an integer from 1 to ${MAX_SHARDS})`);
    expect(usageError({}, { REDIS_SHARDS: 'many' })).toBe(`invalid value for --redis-shards (from REDIS_SHARDS): "many" (expected an integer from 1 to ${MAX_SHARDS})`);
    const braced = usageError({ 'redis-shards': '3', 'redis-key-prefix': '{app}' });
    expect(braced).toContain('--redis-key-prefix');
    expect(braced).toContain('--redis-shards 3');
    expect(braced).not.toContain('\n');
  });
});
