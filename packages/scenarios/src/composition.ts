import { chain, parallel, task, workflow, type TaskContext } from '@graflow/core';
import type { HarnessFactory } from './harness';

export function compositionScenarios(harness: HarnessFactory): void {
  describe('composition', () => {
    test('a chain runs its tasks in order and output is the last value', async () => {
      const step = task('comp-step', async (ctx: TaskContext<{ n: number }>) => {
        const len = await ctx.channel.append('order', ctx.params.n);
        return { n: ctx.params.n, len };
      });
      const check = task('comp-order', async (ctx) => ctx.channel.get<number[]>('order'));
      const wf = workflow('seq', () => chain(step.bind({ n: 1 }), step.bind({ n: 2 }), step.bind({ n: 3 }), check));
      const { output, results } = await harness().run(wf);
      expect(output).toEqual([1, 2, 3]);
      expect(Object.keys(results).sort()).toEqual([...Object.keys(wf.graph.nodes).filter((id) => wf.graph.nodes[id]!.kind === 'task')].sort());
    });

    test('a.then(b) is a chain', async () => {
      const a = task('then-a', () => 2);
      const b = task('then-b', async (ctx) => (await ctx.getResult(a)) * 10);
      const { output } = await harness().run(workflow('then', () => a.then(b)));
      expect(output).toBe(20);
    });

    test('a diamond: a, then b and c in parallel, then d sees both', async () => {
      const a = task('dia-a', () => 3);
      const b = task('dia-b', async (ctx) => (await ctx.getResult(a)) + 1);
      const c = task('dia-c', async (ctx) => (await ctx.getResult(a)) * 2);
      const d = task('dia-d', async (ctx) => (await ctx.getResult(b)) + (await ctx.getResult(c)));
      const { output, results } = await harness().run(workflow('diamond', () => chain(a, parallel(b, c), d)));
      expect(output).toBe(10);
      expect(results).toEqual({ 'dia-a': 3, 'dia-b': 4, 'dia-c': 6, 'dia-d': 10 });
    });

    test('groups nested three deep', async () => {
      const leaf = task('nest-leaf', (ctx: TaskContext<{ v: number }>) => ctx.params.v);
      const sum = task('nest-sum', async (ctx) => {
        let total = 0;
        for (let v = 1; v <= 8; v++) total += await ctx.getResult<number>(`leaf-${v}`);
        return total;
      });
      const l = (v: number) => leaf.bind({ v }, { id: `leaf-${v}` });
      const tree = parallel(
        parallel(parallel(l(1), l(2)).named('g3a'), parallel(l(3), l(4)).named('g3b')).named('g2a'),
        parallel(parallel(l(5), l(6)).named('g3c'), parallel(l(7), l(8)).named('g3d')).named('g2b'),
      ).named('g1');
      const { output, results } = await harness().run(workflow('nested3', () => chain(tree, sum)));
      expect(output).toBe(36);
      expect(Object.keys(results)).toHaveLength(9);
    });

    test('a fan-out over 100 bound instances', async () => {
      const square = task('fan-square', (ctx: TaskContext<{ n: number }>) => ctx.params.n * ctx.params.n);
      const items = Array.from({ length: 100 }, (_, i) => square.bind({ n: i }));
      const total = task('fan-total', async (ctx) => {
        const values = await Promise.all(items.map((it) => ctx.getResult(it)));
        return values.reduce((a, b) => a + b, 0);
      });
      const { output } = await harness().run(workflow('fan100', () => chain(parallel(...items), total)));
      expect(output).toBe(Array.from({ length: 100 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
    });

    test('a workflow ending in a group outputs the branch values by node id', async () => {
      const t = task('grp-val', (ctx: TaskContext<{ x: string }>) => ctx.params.x.toUpperCase());
      const wf = workflow('grpval', () => parallel(t.bind({ x: 'a' }, { id: 'A' }), t.bind({ x: 'b' }, { id: 'B' })));
      const { output } = await harness().run(wf);
      expect(output).toEqual({ A: 'A', B: 'B' });
    });

    test('a chain branch runs start to end inside its group', async () => {
      const push = task('cb-push', async (ctx: TaskContext<{ tag: string }>) => ctx.channel.append(`log-${ctx.params.tag[0]}`, ctx.params.tag));
      const b1 = chain(push.bind({ tag: 'x1' }), push.bind({ tag: 'x2' }), push.bind({ tag: 'x3' }));
      const b2 = chain(push.bind({ tag: 'y1' }), push.bind({ tag: 'y2' }));
      const read = task('cb-read', async (ctx) => [await ctx.channel.get('log-x'), await ctx.channel.get('log-y')]);
      const { output } = await harness().run(workflow('chainbranch', () => chain(parallel(b1, b2), read)));
      expect(output).toEqual([['x1', 'x2', 'x3'], ['y1', 'y2']]);
    });

    test('ctx.taskId is the node id: a bound id, or the task id when used directly', async () => {
      const who = task('who', (ctx) => ctx.taskId);
      const { results } = await harness().run(workflow('ids', () => chain(who, parallel(who.bind(undefined, { id: 'who-2' }), who.bind(undefined, { id: 'who-3' })))));
      expect(results).toEqual({ who: 'who', 'who-2': 'who-2', 'who-3': 'who-3' });
    });

    test('startNode starts the run at another node', async () => {
      const first = task('sn-first', () => 'first');
      const second = task('sn-second', () => 'second');
      const wf = workflow('start', () => chain(first, second));
      const { results } = await harness().run(wf, { startNode: 'sn-second' });
      expect(results).toEqual({ 'sn-second': 'second' });
    });

    test('the same workflow gives the same results on every run, with distinct run ids', async () => {
      const t = task('rep-t', (ctx: TaskContext<{ n: number }>) => ctx.params.n + 1);
      const wf = workflow('repeat', () => parallel(...[1, 2, 3].map((n) => t.bind({ n }))));
      const [r1, r2] = await Promise.all([harness().run(wf), harness().run(wf)]);
      expect(r1.results).toEqual(r2.results);
      expect(r1.runId).not.toBe(r2.runId);
    });
  });
}
