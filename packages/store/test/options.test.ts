import Redis from 'ioredis';
import { sharedRedis } from '@graflow/testing';
import {
  GRAPH_STORE_DEFAULTS,
  GraphStore,
  StoreOptionError,
  isStoreOptionError,
  resolveGraphStoreOptions,
  type GraphStoreOptions,
} from '../src';

// Never connects (validation must not need a server); pointed at the test server all the same.
const redis = new Redis({ ...sharedRedis(), lazyConnect: true });
afterAll(() => redis.disconnect());

function optionError(options: Record<string, unknown>): StoreOptionError {
  try {
    resolveGraphStoreOptions({ redis, ...options } as GraphStoreOptions);
  } catch (err) {
    if (err instanceof StoreOptionError) return err;
    throw err;
  }
  throw new Error(`options ${JSON.stringify(options)} were accepted`);
}

describe('resolveGraphStoreOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveGraphStoreOptions({ redis });
    expect(resolved).toMatchObject({
      keyPrefix: 'graflow',
      ttlSeconds: 86_400,
      cacheSize: 100,
      cacheMaxBytes: 64 * 1024 * 1024,
      compressionLevel: 6,
      maxBlobBytes: 16 * 1024 * 1024,
      refreshIntervalMs: 60_000,
    });
    expect(resolved).toMatchObject(GRAPH_STORE_DEFAULTS);
  });

  it('treats an undefined option as absent', () => {
    expect(resolveGraphStoreOptions({ redis, ttlSeconds: undefined }).ttlSeconds).toBe(86_400);
  });

  it('shortens the default refresh interval to half of a short TTL', () => {
    expect(resolveGraphStoreOptions({ redis, ttlSeconds: 10 }).refreshIntervalMs).toBe(5_000);
  });

  it.each([
    ['ttlSeconds', -1, /ttlSeconds: expected an integer of seconds from 1 to \d+, got -1$/],
    ['ttlSeconds', 1.5, /got 1\.5$/],
    ['cacheSize', '100', /cacheSize: .*got "100"$/],
    ['cacheMaxBytes', 0, /cacheMaxBytes: .*got 0$/],
    ['compressionLevel', 11, /compressionLevel: expected an integer zlib level from 0 to 9, got 11$/],
    ['maxBlobBytes', 1024 ** 3, /maxBlobBytes: .*got 1073741824$/],
    ['refreshIntervalMs', -5, /refreshIntervalMs: .*got -5$/],
    ['keyPrefix', '', /keyPrefix: expected a non-empty string without whitespace, got ""$/],
    ['keyPrefix', 'my app', /got "my app"$/],
    ['onBackgroundError', 'log', /onBackgroundError: expected a function, got "log"$/],
    ['ttlSecs', 60, /ttlSecs: expected a known option \(.*ttlSeconds.*\), got 60$/],
  ])('rejects %s = %p naming the option and the value', (option, value, message) => {
    const err = optionError({ [option]: value });
    expect(err.option).toBe(option);
    expect(err.value).toBe(value);
    expect(err.code).toBe('INVALID_OPTION');
    expect(err.message).toMatch(message);
    expect(isStoreOptionError(err)).toBe(true);
  });

  it('refuses a refresh interval longer than half the TTL', () => {
    const err = optionError({ ttlSeconds: 10, refreshIntervalMs: 6_000 });
    expect(err.message).toMatch(/refreshIntervalMs: .*from 0 to 5000 \(half of ttlSeconds\), got 6000$/);
  });

  it('refuses a missing or wrong redis client', () => {
    expect(optionError({ redis: { host: 'localhost' } }).message).toMatch(/redis: expected an ioredis .*got an object/);
    expect(() => new GraphStore(undefined as unknown as GraphStoreOptions)).toThrow(/options: expected an object/);
  });
});
