import { randomBytes } from 'node:crypto';
import { freePort, sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';
import { BoardProcess, requireBuild, runBoardCli } from './fixtures/board-cli';
import { crunchGroup, startWorkers, type Harness } from './fixtures/workflows';

let workers: Harness | undefined;
const admin = new IORedis(sharedRedis());
beforeAll(requireBuild);
afterEach(async () => {
  await BoardProcess.stopAll();
  await workers?.close();
  workers = undefined;
});
afterAll(() => admin.disconnect());

const isLogLine = (r: Record<string, unknown>) => typeof r.ts === 'string' && !Number.isNaN(Date.parse(r.ts)) && typeof r.level === 'string' && typeof r.msg === 'string';

describe('graflow-board CLI (dist/main.js)', () => {
  it('prints help with exit 0', () => {
    const r = runBoardCli(['--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--redis-key-prefix', '--redis-username', '--redis-tls-ca', '--redis-cluster', '--port', '--log-level']) expect(r.stdout).toContain(flag);
  });

  it('exits 2 with one line naming the flag or the variable and the value', () => {
    const bad = runBoardCli(['--port', 'eighty']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe('graflow-board: invalid --port "eighty": expected an integer');
    const badEnv = runBoardCli([], { REDIS_PORT: 'sixty' });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr.split('\n')[0]).toBe('graflow-board: invalid REDIS_PORT "sixty": expected an integer');
    const unknown = runBoardCli(['--redis-hots', 'x']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument: redis-hots');
    expect(`${bad.stderr}${badEnv.stderr}${unknown.stderr}`).not.toMatch(/\n\s+at /); // no stack
  });

  it('serves the board as an ACL user limited to the prefix (no CLIENT commands), from the environment, logging JSON lines', async () => {
    const prefix = uniquePrefix('board-cli');
    workers = await startWorkers(prefix);
    await workers.run('board-cli', () => crunchGroup(2));
    const user = `board-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(8).toString('hex');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, `~${prefix}:*`, `&${prefix}:*`, '+@all', '-@dangerous', '-client', '+info');
    try {
      const { host, port } = sharedRedis();
      const board = new BoardProcess([], {
        REDIS_HOST: host,
        REDIS_PORT: String(port),
        REDIS_USERNAME: user,
        REDIS_PASSWORD: password,
        REDIS_KEY_PREFIX: prefix,
        BOARD_PORT: '0',
      });
      const listening = await board.waitForLog('board listening');
      expect(listening).toMatchObject({ level: 'info', keyPrefix: prefix, queues: ['tasks'] });
      const url = listening.url as string;
      const res = await fetch(`${url}/api/queues?activeQueue=tasks&status=completed&page=1&jobsPerPage=10`);
      const { queues } = (await res.json()) as { queues: { jobs: { name: string; returnValue: unknown }[] }[] };
      const branch = queues[0]!.jobs.find((j) => j.name === 'crunch-1');
      expect(branch?.returnValue).toMatchObject({ node: 'crunch-1', ok: true, result: { n: 1, square: 1 }, from: 'run results' });

      board.signal('SIGTERM');
      expect(await board.exited).toEqual({ code: 0, signal: null });
      const logs = board.logs();
      expect(logs.every(isLogLine)).toBe(true);
      expect(logs.map((r) => r.msg)).toEqual(expect.arrayContaining(['queue shown', 'board listening', 'board stopping']));
      expect(board.stdout).not.toContain(password);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  });

  it('--log-level warn keeps info lines out', async () => {
    const { port } = sharedRedis();
    const httpPort = await freePort();
    const board = new BoardProcess(['--redis-port', String(port), '--redis-key-prefix', uniquePrefix('board-quiet'), '--port', String(httpPort), '--log-level', 'warn']);
    // Nothing is logged at warn on a clean start, so the health endpoint tells when it is up.
    await waitFor(async () => {
      if (board.exit) throw new Error(`graflow-board exited: ${board.stderr}`);
      return (await fetch(`http://127.0.0.1:${httpPort}/healthz`).catch(() => undefined))?.status === 200;
    }, { timeoutMs: 15_000, what: 'the board to answer /healthz' });
    board.signal('SIGINT');
    expect((await board.exited).code).toBe(0);
    expect(board.stdout).toBe('');
  });

  it('exits 1 with one JSON line naming the address and the prefix when Redis is unreachable', async () => {
    const port = await freePort();
    const board = new BoardProcess(['--redis-port', String(port), '--redis-key-prefix', 'nowhere', '--port', '0', '--connect-timeout', '1000']);
    expect((await board.exited).code).toBe(1);
    const [line, ...rest] = board.logs();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: 'error', msg: 'board failed to start', keyPrefix: 'nowhere' });
    expect(line!.error).toMatch(new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(key prefix 'nowhere'\\)`));
    expect(board.stderr).toBe('');
  });
});
