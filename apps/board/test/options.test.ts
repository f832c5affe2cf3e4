import { BoardOptionError, parseBoardArgs, resolveBoardOptions } from '../src/options';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = await parseBoardArgs(argv, env);
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command.options;
}

describe('board options', () => {
  it('has its defaults in one place', () => {
    expect(resolveBoardOptions()).toEqual({
      redis: { host: '127.0.0.1', port: 6379, tls: false },
      keyPrefix: 'graflow',
      port: 3000,
      host: '127.0.0.1',
      basePath: '/admin/queues',
      readOnly: false,
      connectTimeoutMs: 10_000,
    });
  });

  it('reads flags, falls back to the environment, and lets a flag win', async () => {
    const env = { REDIS_HOST: 'redis', REDIS_PORT: '6380', REDIS_KEY_PREFIX: 'env:wf', BOARD_PORT: '' };
    const options = await run(['--redis-key-prefix', 'myapp:workflows', '--port', '3100', '--read-only'], env);
    expect(options.redis).toMatchObject({ host: 'redis', port: 6380 });
    expect(options.keyPrefix).toBe('myapp:workflows');
    expect(options.port).toBe(3100);
    expect(options.readOnly).toBe(true);
  });

  it.each([
    [['--port', 'abc'], '--port', 'abc'],
    [['--port', '70000'], '--port', 70000],
    [['--redis-port', '0'], '--redis-port', 0],
    [['--redis-key-prefix', 'trailing:'], '--redis-key-prefix', 'trailing:'],
    [['--base-path', 'admin'], '--base-path', 'admin'],
    [['--redis-url', 'http://x'], '--redis-url', 'http://x'],
  ])('rejects %j naming the flag and the value', async (argv, option, value) => {
    const err = await parseBoardArgs(argv, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BoardOptionError);
    expect(err).toMatchObject({ option, value });
    expect((err as Error).message).toContain(option);
  });

  it('rejects unknown flags and a URL given together with a host', async () => {
    await expect(parseBoardArgs(['--nope'], {})).rejects.toThrow(/Unknown argument: nope/);
    await expect(parseBoardArgs(['--redis-url', 'redis://r:6379', '--redis-host', 'h'], {})).rejects.toThrow(
      /--redis-url .*conflicts with --redis-host/,
    );
  });

  it('returns the help text instead of exiting', async () => {
    const command = await parseBoardArgs(['--help'], {});
    expect(command.kind).toBe('help');
    expect(command.kind === 'help' && command.text).toContain('--redis-key-prefix');
  });
});
