import { chain, parallel, task, workflow, type TaskContext } from '@graflow/core';
import { decodeCanonical, encodeCanonical, isGraphIntegrityError } from '@graflow/store';
import { assertGraphBlob } from '../src/codec/graph-blob';

const t = task('blob-t', () => 1);
const u = task('blob-u', (_ctx: TaskContext<{ n: number }>) => 2);
const graph = workflow('blob', () => chain(t, parallel(u.bind({ n: 1 }, { id: 'u1' }), u.bind({ n: 2 }, { id: 'u2' })).named('g').withExecution({ policy: { atLeast: 1 } }))).graph;
const stored = () => decodeCanonical(encodeCanonical(graph)) as Record<string, any>;
const HASH = 'a'.repeat(64);

function refusal(value: unknown): string {
  let caught: unknown;
  try {
    assertGraphBlob(value, HASH, `p:graph:${HASH}`);
  } catch (err) {
    caught = err;
  }
  expect(isGraphIntegrityError(caught)).toBe(true);
  return (caught as Error).message.replace(`Graph ${HASH} at key "p:graph:${HASH}" failed its integrity check: `, '');
}

// What a worker loads from the store is a graph, or a named, final integrity error.
describe('a blob that should hold a graph', () => {
  test('a stored graph is accepted as it is', () => {
    const loaded = stored();
    expect(assertGraphBlob(loaded, HASH, 'k')).toBe(loaded);
  });

  test.each<[string, (g: Record<string, any>) => unknown, string]>([
    ['a number', () => 42, 'it is not a Graflow graph: it holds a number'],
    ['an array', () => [1, 2], 'it is not a Graflow graph: it holds an array'],
    ['another format', (g) => ({ ...g, format: 'other/1' }), "it is not a Graflow graph: its format is 'other/1' (expected 'graflow.graph/1')"],
    ['no nodes', (g) => ({ ...g, nodes: undefined }), 'it is not a Graflow graph: it has no nodes'],
    ['a root that is not a node', (g) => ({ ...g, root: 'ghost' }), "it is not a Graflow graph: its root 'ghost' is not one of its nodes"],
    ['a node under another id', (g) => ({ ...g, nodes: { ...g.nodes, u1: { ...g.nodes.u1, id: 'x' } } }), "it is not a Graflow graph: node 'u1' carries the id 'x'"],
    ['a task with malformed options', (g) => ({ ...g, nodes: { ...g.nodes, u1: { ...g.nodes.u1, options: null } } }), "it is not a Graflow graph: node 'u1' has malformed options"],
    ['a group with a missing member', (g) => ({ ...g, nodes: { ...g.nodes, g: { ...g.nodes.g, members: ['u1', 'u9'] } } }), "it is not a Graflow graph: node 'g' has the member 'u9', which is not a node"],
    ['a group with a bad policy', (g) => ({ ...g, nodes: { ...g.nodes, g: { ...g.nodes.g, policy: { atLeast: 0 } } } }), "it is not a Graflow graph: node 'g' has the policy an object"],
    ['an unknown node kind', (g) => ({ ...g, nodes: { ...g.nodes, u2: { ...g.nodes.u2, kind: 'script' } } }), "it is not a Graflow graph: node 'u2' has the kind 'script'"],
  ])('%s is refused, saying how it differs', (_label, make, message) => {
    expect(refusal(make(stored()))).toBe(message);
  });
});
