import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBoardArgs } from '../src/cli';
import { BoardOptionError, resolveBoardOptions } from '../src/options';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = await parseBoardArgs(argv, env);
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command;
}

async function failure(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<BoardOptionError> {
  const err = await parseBoardArgs(argv, env).then(
    () => new Error(`${argv.join(' ')} was accepted`),
    (e: unknown) => e,
  );
  if (!(err instanceof BoardOptionError)) throw err;
  return err;
}

describe('board options', () => {
  it('has its defaults in one place, Redis ones from core', () => {
    expect(resolveBoardOptions()).toEqual({
      redis: { host: '127.0.0.1', port: 6379, db: 0, tls: false, cluster: false, shards: 1, keyPrefix: 'graflow' },
      keyPrefix: 'graflow',
      port: 3000,
      host: '127.0.0.1',
      basePath: '/admin/queues',
      readOnly: false,
      connectTimeoutMs: 10_000,
      queueRefreshMs: 3_000,
      maxValueBytes: 1024 * 1024,
    });
  });

  it('reads every Redis flag the worker has, and the same environment variables, a flag winning', async () => {
    const { options } = await run(
      ['--redis-host', 'redis.internal', '--redis-port', '6390', '--redis-username', 'board', '--redis-password', 's3cret', '--redis-tls', '--redis-key-prefix', '{app}:wf', '--redis-cluster'],
      { REDIS_HOST: 'ignored', REDIS_USERNAME: 'ignored-too' },
    );
    expect(options.redis).toEqual({ host: 'redis.internal', port: 6390, db: 0, username: 'board', password: 's3cret', tls: {}, cluster: true, shards: 1, keyPrefix: '{app}:wf' });

    const fromEnv = await run([], {
      REDIS_HOST: 'redis',
      REDIS_PORT: '6380',
      REDIS_USERNAME: 'acl-user',
      REDIS_PASSWORD: 'pw',
      REDIS_TLS: 'yes',
      REDIS_KEY_PREFIX: 'env-wf',
      BOARD_PORT: '3100',
      BOARD_HOST: '0.0.0.0',
    });
    expect(fromEnv.options.redis).toEqual({ host: 'redis', port: 6380, db: 0, username: 'acl-user', password: 'pw', tls: {}, cluster: false, shards: 1, keyPrefix: 'env-wf' });
    expect(fromEnv.options).toMatchObject({ keyPrefix: 'env-wf', port: 3100, host: '0.0.0.0' });

    const url = await run([], { REDIS_URL: 'rediss://u:p@redis:6400/2', REDIS_TLS: '' });
    expect(url.options.redis).toMatchObject({ url: 'rediss://u:p@redis:6400/2', tls: {} });
    expect((await run(['--no-redis-tls'], { REDIS_TLS: 'true' })).options.redis.tls).toBe(false);
  });

  it('reads the TLS files into the connection settings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'board-tls-'));
    const pem = (name: string) => `-----BEGIN ${name}-----\nAAAA\n-----END ${name}-----\n`;
    for (const name of ['ca', 'cert', 'key']) writeFileSync(join(dir, `${name}.pem`), pem(name.toUpperCase()));
    const { options } = await run(['--redis-tls-ca', join(dir, 'ca.pem')], { REDIS_TLS_CERT: join(dir, 'cert.pem'), REDIS_TLS_KEY: join(dir, 'key.pem') });
    // The files travel in core's connection settings, as for every client.
    expect(options.redis.tls).toEqual({ ca: Buffer.from(pem('CA')), cert: Buffer.from(pem('CERT')), key: Buffer.from(pem('KEY')) });

    const missing = await failure(['--redis-tls-ca', join(dir, 'nope.pem')]);
    expect(missing.message).toBe(`invalid --redis-tls-ca ${JSON.stringify(join(dir, 'nope.pem'))}: cannot read the file (ENOENT)`);
    const half = await failure(['--redis-tls-cert', join(dir, 'cert.pem')]);
    expect(half.message).toBe('invalid --redis-tls-key "": needed with --redis-tls-cert: a client certificate and its key go together');
    const off = await failure(['--no-redis-tls', '--redis-tls-ca', join(dir, 'ca.pem')]);
    expect(off.option).toBe('--redis-tls');
  });

  it.each([
    [['--port', 'abc'], {}, '--port', 'abc'],
    [['--port', '70000'], {}, '--port', 70000],
    [['--redis-port', '0'], {}, '--redis-port', 0],
    [[], { REDIS_PORT: 'sixty' }, 'REDIS_PORT', 'sixty'],
    [[], { BOARD_PORT: '99999' }, 'BOARD_PORT', 99999],
    [[], { REDIS_TLS: 'maybe' }, 'REDIS_TLS', 'maybe'],
    [['--redis-key-prefix', 'trailing:'], {}, '--redis-key-prefix', 'trailing:'],
    [[], { REDIS_KEY_PREFIX: 'has space' }, 'REDIS_KEY_PREFIX', 'has space'],
    [['--redis-cluster', '--redis-key-prefix', 'no-tag'], {}, '--redis-key-prefix', 'no-tag'],
    [['--base-path', 'admin'], {}, '--base-path', 'admin'],
    [['--redis-url', 'http://x'], {}, '--redis-url', 'http://x'],
    [['--connect-timeout', '0'], {}, '--connect-timeout', 0],
    [['--queue-refresh', '5'], {}, '--queue-refresh', 5],
    [['--log-level', 'loud'], {}, '--log-level', 'loud'],
  ])('rejects %j %j naming the flag or variable and the value', async (argv, env, option, value) => {
    const err = await failure(argv, env);
    expect(err).toMatchObject({ option, value });
    expect(err.message).toContain(`invalid ${option} ${JSON.stringify(value)}`);
  });

  it('rejects unknown flags, camel-cased ones included', async () => {
    expect((await failure(['--nope'])).message).toMatch(/Unknown argument: nope/);
    expect((await failure(['--redisHost', 'h'])).message).toMatch(/Unknown argument: redisHost/);
  });

  it('refuses a URL together with settings it would silently override', async () => {
    expect((await failure(['--redis-url', 'redis://r:6379', '--redis-host', 'h'])).message).toMatch(/--redis-url .*conflicts with --redis-host/);
    expect((await failure([], { REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'pw' })).message).toMatch(/^invalid REDIS_URL "redis:\/\/r:6379": conflicts with REDIS_PASSWORD/);
    expect((await failure(['--redis-url', 'redis://r:6379', '--redis-cluster'])).message).toMatch(/conflicts with --redis-cluster/);
  });

  it('returns the help text instead of exiting, listing every flag with its variable', async () => {
    const command = await parseBoardArgs(['--help'], {});
    if (command.kind !== 'help') throw new Error('expected help');
    for (const flag of ['--redis-username', '--redis-tls-ca', '--redis-tls-cert', '--redis-tls-key', '--redis-cluster', '--queue-refresh', '--log-level']) {
      expect(command.text).toContain(flag);
    }
    const text = command.text.replace(/\s+/g, ' ');
    for (const variable of ['REDIS_HOST', 'REDIS_PORT', 'REDIS_URL', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_TLS', 'REDIS_TLS_CA', 'REDIS_TLS_CERT', 'REDIS_TLS_KEY', 'REDIS_KEY_PREFIX', 'BOARD_PORT']) {
      expect(text).toContain(`[env ${variable}]`);
    }
  });

  it('rejects unknown programmatic options by name', () => {
    expect(() => resolveBoardOptions({ prefix: 'x' } as never)).toThrow(/^invalid prefix "x": unknown option/);
    expect(() => resolveBoardOptions({ redis: { db: 2 } as never })).toThrow(/^invalid redis\.db 2: unknown option/);
  });
});
