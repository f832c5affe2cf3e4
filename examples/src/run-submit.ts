/**
 * A durable run of the ETL example on a local worker fleet:
 *
 *   npm run build && node examples/dist/run-submit.js
 *
 * Starts a `redis-server` on a free loopback port (or uses `REDIS_URL` when it is set) and two
 * workers (the built `graflow-worker` loading `etl-tasks.js`), like `run-distributed.ts`. Then a
 * producer process submits the run and exits without waiting (`submit-producer.ts`), and a
 * second process follows it by id (`submit-follower.ts`: its events, result and status). Prints
 * the result as JSON on stdout (progress on stderr), then stops every process it started, by
 * PID, on success and on failure alike.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { finished, LocalFleet } from './local-fleet';

const fleet = new LocalFleet();

async function main(): Promise<void> {
  const redisUrl = await fleet.redisUrl();
  const keyPrefix = `examples-submit-${randomBytes(4).toString('hex')}`;
  const connection = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix };
  await fleet.startWorkers(['worker-1', 'worker-2'], join(__dirname, 'etl-tasks.js'), connection);

  // The producer exits as soon as the run is enqueued; the run does not need it.
  const submitted = (await finished(fleet.start('producer', [join(__dirname, 'submit-producer.js')], connection))).at(-1) as { runId: string };
  const follower = await finished(fleet.start('follower', [join(__dirname, 'submit-follower.js'), submitted.runId], connection));
  const events = follower.filter((l) => 'event' in l).map((l) => (l.event as { type: string }).type);
  const result = follower.at(-1) as { runId: string; output: unknown; status: string };
  console.log(JSON.stringify({ workflow: 'etl', ...result, events, keyPrefix, pids: fleet.pids() }, null, 2));
}

fleet.run('run-submit', main);
