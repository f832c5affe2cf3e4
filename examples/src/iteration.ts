/**
 * An iteration loop with `nextIteration`: Newton's method refines a square root until it
 * converges, each iteration receiving the previous estimate as its params. `maxCycles` bounds
 * the loop. Run: `node examples/dist/iteration.js`
 */
import { chain, task, workflow, type TaskContext } from '@graflow/core';

interface Estimate {
  target: number;
  guess: number;
}

export const refine = task(
  'refine-sqrt',
  async (ctx: TaskContext<Estimate>) => {
    const { target, guess } = ctx.params;
    const next = (guess + target / guess) / 2;
    await ctx.channel.append('guesses', next);
    if (Math.abs(next - guess) > 1e-12) ctx.nextIteration({ target, guess: next });
    return { root: next, iterations: ctx.iteration + 1 };
  },
  { maxCycles: 50 },
);

export const report = task('report-sqrt', async (ctx) => {
  const { root, iterations } = await ctx.getResult<{ root: number; iterations: number }>('sqrt-2');
  const guesses = (await ctx.channel.get<number[]>('guesses')) ?? [];
  return { root: Number(root.toFixed(12)), iterations, firstGuesses: guesses.slice(0, 3).map((g) => Number(g.toFixed(6))) };
});

export const sqrtLoop = workflow('sqrt-loop', () => chain(refine.bind({ target: 2, guess: 1 }, { id: 'sqrt-2' }), report));

if (require.main === module) {
  sqrtLoop.run().then(
    ({ output }) => console.log(JSON.stringify({ workflow: 'sqrt-loop', output })),
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exitCode = 1;
    },
  );
}
