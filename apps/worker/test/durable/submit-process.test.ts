import { join } from 'node:path';
import { getRun, type RunResult } from '@graflow/core';
import { decodeValue, RunKeys } from '@graflow/core/redis';
import { sharedRedis, uniquePrefix, waitFor } from '@graflow/testing';
import IORedis from 'ioredis';
import { CliProcess, killSpawned } from '../fixtures/cli';
import { spawnWorker } from '../fixtures/worker';

const FIXTURES = join(__dirname, 'fixtures');
const TASKS = join(FIXTURES, 'durable-tasks.js');
const CLI = join(FIXTURES, 'durable-cli.js');

const redis = new IORedis(sharedRedis());
afterAll(async () => {
  await killSpawned();
  redis.disconnect();
});

/** Runs `durable-cli.js <command>` (the built @graflow/core) as its own process. */
function durableCli(command: string, args: Record<string, unknown>): CliProcess {
  return new CliProcess(CLI, [command, JSON.stringify({ redis: sharedRedis(), ...args })]);
}

/** The first JSON line of `proc` that has `field`. */
async function lineWith<T>(proc: CliProcess, field: string, timeoutMs = 20_000): Promise<T> {
  const found = await waitFor(() => proc.logs().find((l) => field in l) ?? (proc.exit ? 'exited' : undefined), { timeoutMs, what: `'${field}' from pid ${proc.pid}` });
  if (found === 'exited') throw new Error(`pid ${proc.pid} exited before printing '${field}':\n${proc.output()}`);
  return (found as unknown as Record<string, T>)[field]!;
}

describe('a submitted run outlives the process that submitted it', () => {
  test('the producer prints the run id and is SIGKILLed; another process gets the exact result, and the status is succeeded', async () => {
    const prefix = uniquePrefix('durable-proc');
    const worker = await spawnWorker(sharedRedis(), prefix, [], { tasks: [TASKS] });
    // The last step takes 2 s, so the producer dies while the run is under way.
    const producer = durableCli('submit', { keyPrefix: prefix, workflow: 'chainWithGroup', args: ['durable-proc', 2_000] });
    const runId = await lineWith<string>(producer, 'runId');
    producer.signal('SIGKILL');
    expect((await producer.waitForExit()).signal).toBe('SIGKILL');
    expect(['queued', 'running']).toContain(await getRun(runId, { config: { ...sharedRedis(), keyPrefix: prefix } }).status());

    const reader = durableCli('result', { keyPrefix: prefix, runId });
    const result = await lineWith<RunResult>(reader, 'result', 30_000);
    expect(result).toEqual({
      runId,
      output: { sum: 6, parts: 3 },
      results: { first: 1, left: 2, right: 3, slow: 0, total: { sum: 6, parts: 3 } },
    });
    expect(await lineWith<string>(reader, 'status')).toBe('succeeded');
    expect((await reader.waitForExit()).code).toBe(0);
    // Each step ran once: nothing was lost or repeated when the producer died.
    const executions = (await redis.lrangeBuffer(new RunKeys(prefix, runId).channel('executions'), 0, -1)).map((b) => decodeValue(b));
    expect(executions.sort()).toEqual(['first', 'left', 'right', 'slow', 'total']);
    // The worker reported the run in its log.
    expect(worker.proc.logs().find((l) => l.msg === 'run succeeded' && l.runId === runId)).toBeDefined();
    worker.proc.signal('SIGTERM');
    expect((await worker.proc.waitForExit()).code).toBe(0);
  });
});
