import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
}

describe('graflow-board CLI (dist/main.js)', () => {
  beforeAll(requireBuild);

  it('prints help with exit 0', () => {
    const r = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--redis-key-prefix');
    expect(r.stdout).toContain('--port');
  });

  it('exits 2 naming the flag and the value for a bad value or an unknown flag', () => {
    const bad = spawnSync(process.execPath, [MAIN, '--port', 'eighty'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--port "eighty"');
    const unknown = spawnSync(process.execPath, [MAIN, '--redis-hots', 'x'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('redis-hots');
  });

  it('serves the board and stops cleanly on SIGTERM', async () => {
    const { port } = sharedRedis();
    const child: ChildProcess = spawn(
      process.execPath,
      [MAIN, '--redis-port', String(port), '--redis-key-prefix', uniquePrefix('board-cli'), '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await waitFor(() => /"url":"([^"]+)"/.exec(out)?.[1], { timeoutMs: 15_000, what: `board to listen (${out})` });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('"msg":"board stopping"');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
