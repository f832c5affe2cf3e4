import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dist = join(__dirname, '..', 'dist');

// Each example runs as the README says: a built script in its own process, with no Redis.
describe('examples', () => {
  test('etl fans out over orders and loads the total', async () => {
    const { stdout } = await run(process.execPath, [join(dist, 'etl.js')]);
    expect(JSON.parse(stdout)).toMatchObject({ workflow: 'etl', output: { loaded: 4, totalUsdCents: 1375 + 9900 + 495 + 12000 } });
  });

  test('the nextIteration loop converges on sqrt(2)', async () => {
    const { stdout } = await run(process.execPath, [join(dist, 'iteration.js')]);
    const { output } = JSON.parse(stdout);
    expect(output.root).toBeCloseTo(Math.SQRT2, 12);
    expect(output.iterations).toBe(6);
    expect(output.firstGuesses).toEqual([1.5, 1.416667, 1.414216]);
  });

  test('the best_effort group carries on without the failing source', async () => {
    const { stdout } = await run(process.execPath, [join(dist, 'best-effort.js')]);
    expect(JSON.parse(stdout)).toEqual({ workflow: 'quotes', output: { sources: ['alpha', 'gamma'], average: 100.5 } });
  });
});
