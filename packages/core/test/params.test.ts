import { decodeCanonical, encodeCanonical } from '@graflow/store';
import { task, UnsupportedValueError, workflow, parallel, type TaskContext } from '@graflow/core';

const echo = task('params-echo', (ctx: TaskContext<unknown>) => ctx.params);

// Params travel inside the graph: a worker reads them back from the graph store (canonical
// msgpack, frozen). bind() gives the in-process run that same copy, and refuses at definition
// what the graph cannot hold, so both backends see the same params or neither runs.
describe('bound params', () => {
  test('a task sees the graph copy of its params: canonical, frozen, independent of the caller object', async () => {
    const given = { when: new Date(0), big: 5n, bytes: Buffer.from('hi'), dropped: undefined, list: [1, undefined], z: -0 };
    const instance = echo.bind(given, { id: 'p1' });
    given.list.push(2);
    const { output } = await workflow('params', () => instance).run();
    expect(output).toStrictEqual({ when: new Date(0), big: 5n, bytes: Buffer.from('hi'), list: [1, null], z: 0 });
    expect(Object.isFrozen(output)).toBe(true);
    expect(Object.isFrozen((output as { list: unknown[] }).list)).toBe(true);
  });

  test('the graph holds exactly what a worker loads from the store', () => {
    const wf = workflow('params-hash', () => parallel(echo.bind({ b: [1, undefined], a: new Date(5), n: 7n }, { id: 'h1' }), echo.bind(undefined, { id: 'h2' })));
    const loaded = decodeCanonical(encodeCanonical(wf.graph)) as typeof wf.graph;
    expect(wf.graph.nodes.h1).toStrictEqual(loaded.nodes.h1);
    expect((wf.graph.nodes.h1 as { params: unknown }).params).toStrictEqual({ a: new Date(5), b: [1, null], n: 7n });
  });

  test('the instance id is derived from the carried params', () => {
    expect(echo.bind({ a: 1, b: undefined }).nodeId).toBe(echo.bind({ a: 1 }).nodeId);
  });

  test.each<[string, unknown, string, RegExp]>([
    ['a Map', { lookup: new Map([['k', 1]]) }, '$.lookup', /Map is not a plain object/],
    ['a function', { fn: () => 1 }, '$.fn', /function is not data/],
    ['a class instance', { at: new (class Point {})() }, '$.at', /Point/],
    ['a cycle', (() => { const c: Record<string, unknown> = {}; c.self = c; return c; })(), '$.self', /circular reference/],
    ['a BigInt past 64 bits', { n: 2n ** 70n }, '$.n', /64-bit/],
  ])('params with %s are refused when bound, naming the task and the path', (_label, params, path, detail) => {
    let caught: unknown;
    try {
      echo.bind(params);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnsupportedValueError);
    const err = caught as UnsupportedValueError;
    expect(err.code).toBe('UNSUPPORTED_VALUE');
    expect(err.subject).toBe("params of task 'params-echo'");
    expect(err.path).toBe(path);
    expect(err.message).toMatch(new RegExp(`^params of task 'params-echo' cannot be stored: ${path.replace(/[$.[\]]/g, '\\$&')} is not graph data \\(`));
    expect(err.message).toMatch(detail);
  });
});
