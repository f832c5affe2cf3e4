/**
 * ETL fan-out/fan-in: extract a batch, transform each record in a parallel group (one bound task
 * instance per record), then load the results. Runs in-process with no Redis:
 *
 *   npm run example
 *
 * The same workflow on a worker fleet: pass `{ queueBackend: 'redis', config: { host, port, keyPrefix } }`
 * to `run()` and start `graflow-worker --tasks examples/dist/etl-tasks.js` with the same prefix;
 * `npm run example:distributed` does all of it (etl-producer.ts, run-distributed.ts).
 */
import { chain, parallel, workflow } from '@graflow/core';
import { extract, load, orders, transform } from './etl-tasks';

export const etl = workflow('etl', () =>
  chain(extract, parallel(...orders.map((order) => transform.bind(order, { id: `transform-${order.id}` }))).named('transform-all'), load),
);

async function main(): Promise<void> {
  const { runId, output } = await etl.run();
  console.log(JSON.stringify({ workflow: 'etl', runId, output }, null, 2));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exitCode = 1;
  });
}
