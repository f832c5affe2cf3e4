import { chain, task, workflow, type TaskContext } from '@graflow/core';

// Compile-time checks: `npm run typecheck` (part of `npm test`) fails if an expectation breaks,
// including an unused @ts-expect-error. The jest test below also runs the code.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

const fetchUser = task('types-user', (ctx: TaskContext<{ id: number }>) => ({ id: ctx.params.id, name: `user-${ctx.params.id}` }));
const count = task('types-count', async () => 3);

const report = task('types-report', async (ctx) => {
  const user = await ctx.getResult(fetchUser.bind({ id: 7 }, { id: 'user-7' }));
  assertType<Equal<typeof user, { id: number; name: string }>>();
  const n = await ctx.getResult(count);
  assertType<Equal<typeof n, number>>();
  const _untyped = await ctx.getResult('types-count');
  assertType<Equal<typeof _untyped, unknown>>();
  // Type-level only (never called): misuse must not compile.
  const misuse = () => {
    // @ts-expect-error a number has no 'name'
    void n.name;
    // @ts-expect-error getResult is async: the value must be awaited
    void ctx.getResult(count).toFixed();
  };
  void misuse;
  return `${user.name} x${n}`;
});

test('getResult is typed by the task and resolves on await', async () => {
  const { output } = await workflow('types', () => chain(fetchUser.bind({ id: 7 }, { id: 'user-7' }), count, report)).run();
  expect(output).toBe('user-7 x3');
});
