/**
 * The ETL example on a local worker fleet:
 *
 *   npm run example:distributed
 *
 * Starts a `redis-server` on a free loopback port (or uses `REDIS_URL` when it is set), two
 * workers (the built `graflow-worker` CLI loading `etl-tasks.js`) and the producer
 * (`etl-producer.js`), all on one fresh key prefix. Prints the result and which worker ran each
 * branch as JSON on stdout (progress goes to stderr), then stops every process it started, by
 * PID, on success and on failure alike.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { finished, jsonLines, LocalFleet, waitFor } from './local-fleet';

const WORKER_IDS = ['worker-1', 'worker-2'];
const fleet = new LocalFleet();

async function main(): Promise<void> {
  const redisUrl = await fleet.redisUrl();
  // A fresh prefix: no ':' (see the README's key-prefix convention), and nothing else's keys.
  const keyPrefix = `examples-etl-${randomBytes(4).toString('hex')}`;
  const connection = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix };
  const workers = await fleet.startWorkers(WORKER_IDS, join(__dirname, 'etl-tasks.js'), connection);

  const producer = fleet.start('producer', [join(__dirname, 'etl-producer.js')], connection);
  const result = (await finished(producer)).at(-1) as { workflow: string; runId: string; output: unknown };

  // A worker logs a branch once its outcome is recorded, which can be just after the producer saw it.
  const branchIds = ['transform-1', 'transform-2', 'transform-3', 'transform-4'];
  const ranOn = () => {
    const seen = new Map<string, string>();
    for (const worker of workers) {
      for (const l of jsonLines(worker)) {
        if (l.msg === 'branch succeeded' && l.runId === result.runId) seen.set(String(l.taskId), String(l.workerId));
      }
    }
    return branchIds.every((id) => seen.has(id)) ? Object.fromEntries(branchIds.map((id) => [id, seen.get(id)!])) : undefined;
  };
  const branches = await waitFor(workers[0]!, 'the branches of the run', ranOn, 10_000);
  console.log(JSON.stringify({ ...result, keyPrefix, branches, pids: fleet.pids() }, null, 2));
}

fleet.run('example:distributed', main);
