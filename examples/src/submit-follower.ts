/**
 * Follows a run submitted anywhere, by id: prints its progress events as they come (from the
 * first one, however late it starts), then its result and status.
 *
 *   REDIS_URL=... REDIS_KEY_PREFIX=... node examples/dist/submit-follower.js <runId>
 *
 * Prints one JSON line per event (`{ event }`), then `{ runId, output, status }`.
 */
import { connect, getRun } from '@graflow/core';

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  const keyPrefix = process.env.REDIS_KEY_PREFIX;
  const runId = process.argv[2];
  if (!url || !keyPrefix || !runId) throw new Error('usage: REDIS_URL=... REDIS_KEY_PREFIX=... submit-follower.js <runId>');
  // One client for the handle's calls (a handle given only a config connects per call).
  const graflow = await connect({ url, keyPrefix });
  try {
    const run = getRun(runId, { client: graflow });
    for await (const event of run.events()) console.log(JSON.stringify({ event }));
    const { output } = await run.result();
    console.log(JSON.stringify({ runId, output, status: await run.status() }));
  } finally {
    await graflow.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exitCode = 1;
});
