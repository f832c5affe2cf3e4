/**
 * The workflows the soak runs. Every shape the distributed core must get right under faults:
 * wide groups (one larger than a flow chunk), chains inside branches, groups nested three deep, retries, msgpack-only types,
 * and each policy both absorbing failures and failing the group.
 *
 * A `doomable` workflow also has runs designed to fail: their run id ends with `DOOMED_SUFFIX`,
 * and exactly the branches that make the failure deterministic throw (see `FailWhen`). A strict
 * group fails at its first failure, so a doomed strict group has one failing branch; an
 * `atLeast` group fails when its last allowed failure is exceeded, so all its failures are known.
 */
import { Chain, chain, parallel, ParallelGroup, TaskInstance, workflow, type Workflow, type WorkflowNode } from '@graflow/core';
import { flaky, leaf, note, step, total, typed, type FailWhen } from './tasks';

export interface SoakWorkflow {
  readonly name: string;
  readonly workflow: Workflow;
  /** Whether some runs of it are designed to fail (by their run id). */
  readonly doomable: boolean;
}

/** A task's working time, spread from its number so branches finish out of order. */
const msOf = (k: number) => 100 + ((k * 37) % 300);

const L = (id: string, k: number, fail: FailWhen = 'never') => leaf.bind({ k, ms: msOf(k), fail }, { id });
const S = (id: string, k: number, prev: string, fail: FailWhen = 'never') => step.bind({ k, ms: msOf(k), prev, fail }, { id });
const F = (id: string, k: number) => flaky.bind({ k, ms: msOf(k) }, { id });

/** A chain of `length` steps, each reading the one before; `failAt` names a step that throws. */
function stepChain(base: string, k: number, length: number, failAt?: { index: number; when: FailWhen }): Chain {
  const ids = Array.from({ length }, (_, i) => `${base}-${i}`);
  const fail = (i: number): FailWhen => (failAt?.index === i ? failAt.when : 'never');
  return chain(L(ids[0]!, k, fail(0)), ...ids.slice(1).map((id, i) => S(id, k + i + 1, ids[i]!, fail(i + 1))));
}

/** Every task-instance id under `node`, for the final fold. */
function taskIds(node: WorkflowNode): string[] {
  if (node instanceof TaskInstance) return [node.nodeId];
  if (node instanceof Chain || node instanceof ParallelGroup) return node.members.flatMap(taskIds);
  return [];
}

/** `body`, then a task that folds every result under it (and `keys` of the channel). */
function foldAfter(body: WorkflowNode, keys: string[] = []): Chain {
  return chain(body, total.bind({ ids: taskIds(body), keys }, { id: 'total' }));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function fanout(): WorkflowNode {
  const group = parallel(...range(11).map((i) => L(`fan-${i}`, i)), L('fan-gate', 11, 'doomed-run')).named('fanout');
  return chain(note.bind({ key: 'seed', k: 1 }, { id: 'seed' }), foldAfter(group, ['seed']));
}

function wide(): WorkflowNode {
  return foldAfter(parallel(...range(30).map((i) => leaf.bind({ k: i, ms: 30 + ((i * 7) % 90) }, { id: `wide-${i}` }))).named('wide'));
}

function chains(): WorkflowNode {
  const arms = range(6).map((i) => stepChain(`arm${i}`, i * 10, 3, i === 4 ? { index: 2, when: 'doomed-run' } : undefined));
  return foldAfter(parallel(...arms).named('chains'));
}

function nested(): WorkflowNode {
  const group = parallel(
    L('n-a', 1),
    parallel(...range(5).map((i) => L(`n-b${i}`, 10 + i))).named('n-inner-b'),
    chain(L('n-c0', 20), parallel(L('n-c1', 21), L('n-c2', 22), L('n-c3', 23), F('n-cf', 24)).named('n-inner-c'), S('n-c9', 29, 'n-c0')),
    parallel(L('n-d0', 30), parallel(L('n-d1', 31), L('n-d2', 32), L('n-dgate', 33, 'doomed-run')).named('n-inner-d2')).named('n-inner-d'),
    L('n-e', 40),
    L('n-f', 41),
  ).named('nested');
  return foldAfter(group);
}

function bestEffort(): WorkflowNode {
  const leaves = range(18).map((i) => L(`be-${i}`, i, i % 5 === 2 ? 'always' : 'never'));
  const group = parallel(...leaves, stepChain('be-ok', 50, 3), stepChain('be-bad', 60, 3, { index: 1, when: 'always' }));
  return foldAfter(group.named('best-effort').withExecution({ policy: 'best_effort' }));
}

function atLeast(): WorkflowNode {
  // 17 branches, 4 always fail: 13 succeed, just enough. A doomed run loses one more.
  const leaves = range(16).map((i) => L(`al-${i}`, i, i % 4 === 1 ? 'always' : 'never'));
  return foldAfter(parallel(...leaves, L('al-gate', 16, 'doomed-run')).named('at-least').withExecution({ policy: { atLeast: 13 } }));
}

function critical(): WorkflowNode {
  const critA = stepChain('crit-a', 1, 2);
  const opts = range(8).map((i) => L(`opt-${i}`, 10 + i, i === 2 || i === 5 ? 'ok-run' : 'never'));
  const group = parallel(critA, L('crit-b', 2, 'doomed-run'), ...opts).named('critical');
  return foldAfter(group.withExecution({ policy: { critical: [critA.nodeId, 'crit-b'] } }));
}

function retry(): WorkflowNode {
  const lone = range(5).map((i) => F(`r-${i}`, i));
  const arms = range(3).map((i) => chain(L(`r-c${i}-0`, 10 + i), F(`r-c${i}-1`, 20 + i)));
  return foldAfter(parallel(...lone, ...arms, typed.bind({ k: 7 }, { id: 'r-typed' })).named('retry'));
}

function deep(): WorkflowNode {
  const level3 = parallel(L('d-3', 3), L('d-4', 4), L('d-gate', 5, 'doomed-run')).named('deep-3');
  const level2 = parallel(L('d-1', 1), chain(L('d-2', 2), level3, S('d-5', 6, 'd-2')), L('d-6', 7)).named('deep-2');
  const group = parallel(chain(L('d-0', 0), level2, S('d-7', 8, 'd-0')), ...range(4).map((i) => L(`d-${8 + i}`, 9 + i))).named('deep-1');
  return foldAfter(group);
}

function tailGate(): WorkflowNode {
  // The failing task runs in the producer, after the group: a run can fail outside any group.
  const group = parallel(...range(12).map((i) => L(`tail-${i}`, i))).named('tail');
  return chain(group, L('tail-gate', 12, 'doomed-run'), total.bind({ ids: taskIds(group), keys: [] }, { id: 'total' }));
}

function chunked(): WorkflowNode {
  // More branches than one flow chunk (250): the flow goes out in two chunks behind a gate job,
  // and a worker killed mid-group may hold branches of either chunk. The doomed branch is in the
  // second chunk.
  const leaves = range(264).map((i) => leaf.bind({ k: i, ms: 5 + ((i * 13) % 40) }, { id: `ch-${i}` }));
  return foldAfter(parallel(...leaves, L('ch-gate', 264, 'doomed-run')).named('chunked'));
}

/** The catalogue, in the order the plan cycles through it. */
export function soakWorkflows(): SoakWorkflow[] {
  const all: Array<[string, () => WorkflowNode, boolean]> = [
    ['fanout', fanout, true],
    ['wide', wide, false],
    ['chains', chains, true],
    ['nested', nested, true],
    ['best-effort', bestEffort, false],
    ['at-least', atLeast, true],
    ['critical', critical, true],
    ['retry', retry, false],
    ['deep', deep, true],
    ['tail-gate', tailGate, true],
    ['chunked', chunked, true],
  ];
  return all.map(([name, build, doomable]) => ({ name, workflow: workflow(`soak-${name}`, build), doomable }));
}
