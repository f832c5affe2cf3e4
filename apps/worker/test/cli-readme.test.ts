import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLAG_TABLE_BEGIN, FLAG_TABLE_END, renderFlagTable, withFlagTable } from '../src/cli/flag-docs';
import { WORKER_CLI_FLAGS } from '../src/cli/options';

const README = join(__dirname, '..', 'README.md');

describe('apps/worker/README.md', () => {
  it('holds the flag table generated from the CLI flag table (run `npm run docs` in apps/worker when this fails)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withFlagTable(readme)).toBe(readme);
  });

  it('lists every flag with its variable and default', () => {
    const table = renderFlagTable();
    for (const [name, spec] of Object.entries(WORKER_CLI_FLAGS)) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`--${name}`));
      expect(row).toBeDefined();
      if ('env' in spec) expect(row).toContain(`\`${spec.env}\``);
      if ('shownDefault' in spec) expect(row).toContain(`\`${spec.shownDefault}\``);
    }
    expect(table).toContain('| `--redis-tls-ca <file>` | `REDIS_TLS_CA` |  |');
    expect(table).toContain('| `--max-stalled-count <n>` | `GRAFLOW_MAX_STALLED_COUNT` | `3` |');
  });

  it('documents the probes and the metrics-port fallback by hand', () => {
    const readme = readFileSync(README, 'utf8');
    const prose = readme.slice(0, readme.indexOf(FLAG_TABLE_BEGIN)) + readme.slice(readme.indexOf(FLAG_TABLE_END));
    expect(prose).toMatch(/`\/healthz` \(\*\*liveness\*\*\)/);
    expect(prose).toMatch(/`\/readyz` \(\*\*readiness\*\*\)/);
    expect(prose).toContain('`livenessProbe` at `/healthz`');
    expect(prose).toContain('9464 is already taken');
    expect(prose).toContain('new TaskWorker(');
  });
});
