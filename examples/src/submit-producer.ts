/**
 * Submit and walk away: enqueues the ETL workflow as a durable run and exits at once, the way a
 * web request handler would. Workers run the whole workflow; `submit-follower.ts` (or any
 * process) follows it by id. `run-submit.ts` starts it; by hand:
 *
 *   REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=myapp-workflows node examples/dist/submit-producer.js
 *
 * with workers started as `graflow-worker --tasks examples/dist/etl-tasks.js` on the same prefix.
 * Prints `{ workflow, runId }` as JSON.
 */
import { etl } from './etl';

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  const keyPrefix = process.env.REDIS_KEY_PREFIX;
  if (!url || !keyPrefix) throw new Error('set REDIS_URL and REDIS_KEY_PREFIX (the workers use the same two)');
  // Resolves once the run is durably enqueued; nothing of the run stays in this process.
  const handle = await etl.submit({ config: { url, keyPrefix } });
  console.log(JSON.stringify({ workflow: 'etl', runId: handle.runId }));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
});
