import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSoakOptions } from '../src/options';
import { runSoak } from '../src/soak';

// The same code as `npm run soak`, sized for the test suite: its own redis-server, three real
// `graflow-worker` processes (apps/worker/dist, built by `npm test`), twenty runs, one SIGKILL
// and one Redis restart.
describe('chaos soak, short version', () => {
  test('every run matches its in-process run, none hangs, across a worker SIGKILL', async () => {
    const options = resolveSoakOptions({}, {
      runs: 20,
      concurrency: 5,
      killIntervalMs: 3_000,
      maxKills: 1,
      redisRestartAfterRuns: 10,
      runDeadlineMs: 60_000,
      durationCapMs: 90_000,
      seed: 20_240_601,
      logDir: mkdtempSync(join(tmpdir(), 'graflow-soak-short-')),
    });
    const summary = await runSoak(options, { say: () => undefined });
    // On failure the diff shows `details`: the evidence of each wrong or hung run.
    expect({ runs: summary.runs, wrong: summary.wrong, hung: summary.hung, kills: summary.kills, redisRestarts: summary.redisRestarts, details: summary.details })
      .toEqual({ runs: 20, wrong: 0, hung: 0, kills: 1, redisRestarts: 1, details: [] });
    // Worker logs stay behind only when the soak found something (they are the evidence).
    rmSync(options.logDir, { recursive: true, force: true });
  }, 180_000);
});
