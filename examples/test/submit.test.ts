import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = join(__dirname, '..', 'dist', 'run-submit.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('examples/run-submit', () => {
  test('a producer submits the ETL run and exits; another process follows its events and gets its result', async () => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    const { stdout } = await run(process.execPath, [script], { env });
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ workflow: 'etl', status: 'succeeded', output: { loaded: 4, totalUsdCents: 1375 + 9900 + 495 + 12000 } });
    expect(result.events[0]).toBe('run:started');
    expect(result.events.at(-1)).toBe('run:finished');
    expect(result.events.filter((t: string) => t === 'group:progress')).toHaveLength(4);
    expect(Object.keys(result.pids).sort()).toEqual(['follower', 'producer', 'redis-server', 'worker-1', 'worker-2']);
    expect(Object.values<number>(result.pids).filter(alive)).toEqual([]);
  });
});
