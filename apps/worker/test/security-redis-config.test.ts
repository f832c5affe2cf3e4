import { GraflowConnectionError, InvalidOptionError, RUN_OPTION_DEFAULTS, resolveRedisConfig, type RedisConfig } from '@graflow/core';
import { RedisRuntime } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix } from '@graflow/testing';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

function invalid(config: unknown): InvalidOptionError {
  try {
    resolveRedisConfig(config as RedisConfig);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    return err as InvalidOptionError;
  }
  throw new Error(`accepted ${JSON.stringify(config)}`);
}

describe('resolveRedisConfig', () => {
  it('turns tls: true into TLS with the bundled CAs and keeps PEM material (string or Buffer)', () => {
    expect(resolveRedisConfig({}).tls).toBe(false);
    expect(resolveRedisConfig({ tls: false }).tls).toBe(false);
    expect(resolveRedisConfig({ tls: true }).tls).toEqual({});
    const key = Buffer.from(KEY);
    expect(resolveRedisConfig({ tls: { ca: PEM, cert: PEM, key, servername: 'redis.internal' } }).tls).toEqual({ ca: PEM, cert: PEM, key, servername: 'redis.internal' });
  });

  it.each([
    [{ tls: 'no' }, 'config.tls', "got 'no', expected true, false or { ca, cert, key, servername }"],
    [{ tls: 1 }, 'config.tls', 'got 1'],
    [{ tls: { ca: './ca.pem' } }, 'config.tls.ca', "got './ca.pem', expected PEM text"],
    [{ tls: { ca: Buffer.from([0x30, 0x82]) } }, 'config.tls.ca', 'a Buffer without PEM'],
    [{ tls: { cert: PEM } }, 'config.tls.key', 'needs both config.tls.cert and config.tls.key'],
    [{ tls: { key: 'MIIEsecret' } }, 'config.tls.key', "got '(hidden)'"],
    [{ tls: { ca: PEM, rejectUnauthorized: false } }, 'config.tls.rejectUnauthorized', 'one of ca, cert, key, servername'],
    [{ tls: { servername: '' } }, 'config.tls.servername', 'a non-empty string'],
    [{ host: 6379 }, 'config.host', 'got 6379, expected a non-empty string'],
    [{ host: '' }, 'config.host', "got ''"],
    [{ db: -1 }, 'config.db', 'an integer >= 0'],
    [{ db: 1.5 }, 'config.db', 'got 1.5'],
    [{ db: '2' }, 'config.db', "got '2'"],
    [{ db: 1, cluster: true, keyPrefix: '{a}:wf' }, 'config.db', '0 on Redis Cluster'],
    [{ cluster: 'yes' }, 'config.cluster', 'true or false'],
    [{ username: 42 }, 'config.username', 'a non-empty string'],
    [{ password: 42 }, 'config.password', "got '(hidden)'"],
    [{ tlsCa: PEM }, 'config.tlsCa', 'one of host, port'],
  ])('refuses %j naming %s', (config, option, detail) => {
    const err = invalid(config);
    expect(err.option).toBe(option);
    expect(err.message).toContain(`invalid option ${option}:`);
    expect(err.message).toContain(detail);
  });

  it('keeps the defaults in one place', () => {
    expect(resolveRedisConfig({})).toEqual({ ...RUN_OPTION_DEFAULTS.redis, cluster: false });
  });
});

describe('the connection check', () => {
  it('reports a database the server does not have, naming it, instead of silently using database 0', async () => {
    const prefix = uniquePrefix('db99');
    const config = resolveRedisConfig({ ...sharedRedis(), db: 99, keyPrefix: prefix });
    const settings = { ...RUN_OPTION_DEFAULTS, connectTimeoutMs: 3_000, ttlSeconds: 60 };
    const err = await RedisRuntime.connect(config, settings).then(
      async (runtime) => {
        await runtime.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GraflowConnectionError);
    expect((err as Error).name).toBe('RedisAccessError');
    expect((err as Error).message).toBe(
      `cannot use Redis database 99 at 127.0.0.1:${sharedRedis().port} (key prefix '${prefix}'): ERR DB index is out of range; ` +
        'the server has fewer databases (redis.conf "databases") or the user may not SELECT',
    );
  });

  it('uses a database that exists', async () => {
    const config = resolveRedisConfig({ ...sharedRedis(), db: 3, keyPrefix: uniquePrefix('db3') });
    const runtime = await RedisRuntime.connect(config, { connectTimeoutMs: 3_000 });
    try {
      await runtime.redis.set(`${config.keyPrefix}:probe`, 'x', 'EX', 60);
      expect(await runtime.redis.call('CLIENT', 'INFO')).toMatch(/ db=3 /);
    } finally {
      await runtime.close();
    }
  });
});
