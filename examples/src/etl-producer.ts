/**
 * The ETL workflow's producer on a worker fleet: the same `etl` workflow as `etl.ts`, run with the
 * Redis queue backend, so its parallel group goes to the workers listening on the key prefix.
 * `run-distributed.ts` starts it; by hand:
 *
 *   REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=myapp-workflows node examples/dist/etl-producer.js
 *
 * with workers started as `graflow-worker --tasks examples/dist/etl-tasks.js` on the same prefix.
 * Prints `{ workflow, runId, output }` as JSON.
 */
import { etl } from './etl';

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  const keyPrefix = process.env.REDIS_KEY_PREFIX;
  if (!url || !keyPrefix) throw new Error('set REDIS_URL and REDIS_KEY_PREFIX (the workers use the same two)');
  const { runId, output } = await etl.run({ queueBackend: 'redis', config: { url, keyPrefix } });
  console.log(JSON.stringify({ workflow: 'etl', runId, output }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
});
