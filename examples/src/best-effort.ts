/**
 * A `best_effort` group: fetch prices from three sources, one of which is down. The group
 * succeeds with what it got and the next task works with the available quotes.
 * Run: `node examples/dist/best-effort.js`
 */
import { chain, parallel, task, workflow, type TaskContext } from '@graflow/core';

const QUOTES: Record<string, number | null> = { alpha: 101.5, beta: null, gamma: 99.5 };

export const fetchQuote = task(
  'fetch-quote',
  (ctx: TaskContext<{ source: string }>) => {
    const quote = QUOTES[ctx.params.source];
    if (quote === null || quote === undefined) throw new Error(`source ${ctx.params.source} is unavailable`);
    return quote;
  },
  { retries: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } } },
);

export const average = task('average-quote', async (ctx) => {
  const got: Record<string, number> = {};
  for (const source of Object.keys(QUOTES)) {
    try {
      got[source] = await ctx.getResult<number>(`quote-${source}`);
    } catch {
      // A failed branch has no result; best_effort carries on without it.
    }
  }
  const values = Object.values(got);
  return { sources: Object.keys(got), average: values.reduce((a, b) => a + b, 0) / values.length };
});

export const quotes = workflow('quotes', () =>
  chain(
    parallel(...Object.keys(QUOTES).map((source) => fetchQuote.bind({ source }, { id: `quote-${source}` })))
      .named('fetch-quotes')
      .withExecution({ policy: 'best_effort' }),
    average,
  ),
);

if (require.main === module) {
  quotes.run().then(
    ({ output }) => console.log(JSON.stringify({ workflow: 'quotes', output })),
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exitCode = 1;
    },
  );
}
