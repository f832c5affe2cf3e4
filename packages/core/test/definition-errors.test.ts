import { chain, DuplicateTaskError, ExecutionContext, GraphDefinitionError, InvalidOptionError, parallel, task, unregisterTask, workflow, GraflowError } from '@graflow/core';

const a = task('def-a', () => 'a');
const b = task('def-b', () => 'b');

// Each message names the node or option at fault; the exact text is part of the contract.
describe('definition-time errors', () => {
  test('an empty parallel group', () => {
    expect(() => workflow('empty', () => chain(a, parallel()))).toThrow(
      new GraphDefinitionError("parallel group 'parallel#e3b0c442' in workflow 'empty' has no branches; parallel() needs at least one node"),
    );
  });

  test('an empty chain', () => {
    expect(() => workflow('empty-chain', () => parallel(a, chain()))).toThrow(/chain 'chain#[0-9a-f]{8}' in workflow 'empty-chain' is empty/);
  });

  test('a duplicate node id from two different instances', () => {
    const err = catchErr(() => workflow('dup', () => parallel(b.bind(undefined, { id: 'same' }), a.bind(undefined, { id: 'same' }))));
    expect(err).toBeInstanceOf(GraphDefinitionError);
    expect(err.message).toMatch(/^duplicate node id 'same' in workflow 'dup' \(in 'parallel#[0-9a-f]{8}'\); give each instance a distinct id$/);
    expect((err as GraphDefinitionError).nodeId).toBe('same');
  });

  test('the same node used twice', () => {
    expect(() => workflow('twice', () => chain(a, b, a))).toThrow(
      /^node 'def-a' appears twice in workflow 'twice' \(in 'chain#[0-9a-f]{8}'\); use task\.bind\(params, \{ id \}\) to make distinct instances$/,
    );
  });

  test('an unknown start node', () => {
    const wf = workflow('start', () => chain(a, b));
    expect(() => ExecutionContext.create({ graph: wf.graph, startNode: 'nope' })).toThrow(
      "start node 'nope' does not exist in workflow 'start'; nodes: def-a, def-b, chain#",
    );
  });

  test('a duplicate task id with a different function', () => {
    const err = catchErr(() => task('def-a', () => 'other'));
    expect(err).toBeInstanceOf(DuplicateTaskError);
    expect(err.name).toBe('DuplicateTaskError');
    expect((err as GraflowError).code).toBe('DUPLICATE_TASK');
    expect(err.message).toMatch(/^task id 'def-a' is already registered with a different function; task ids must be unique per process \(/);
  });

  test('the same function registered again is accepted; another closure of the same source is refused', () => {
    const fn = () => 42;
    task('def-again', fn);
    expect(() => task('def-again', fn)).not.toThrow();
    // A factory called twice: same source text, different captured values. Not the same task.
    const scale = (k: number) => task('def-scale', (ctx: { params: { x: number } }) => ctx.params.x * k);
    scale(2);
    expect(() => scale(3)).toThrow(DuplicateTaskError);
    unregisterTask('def-again');
    unregisterTask('def-scale');
  });

  test('critical ids that are not branches, and an atLeast no group can meet', () => {
    expect(() => workflow('crit', () => parallel(a, b).named('g').withExecution({ policy: { critical: ['def-a', 'ghost'] } }))).toThrow(
      "group 'g': critical branch(es) 'ghost' are not members; members: def-a, def-b",
    );
    expect(() => workflow('atl', () => parallel(a, b).named('g2').withExecution({ policy: { atLeast: 3 } }))).toThrow(
      "group 'g2': policy atLeast=3 can never be met by 2 branches",
    );
  });

  test('a non-node passed to chain or parallel', () => {
    expect(() => chain(a, (() => 1) as never)).toThrow("invalid option chain() argument 1: got '[function ]', expected a task, task instance, chain or parallel group");
  });

  test('ExecutionContext.create without a graph', () => {
    expect(() => ExecutionContext.create({ graph: undefined as never })).toThrow('ExecutionContext.create needs { graph }: pass workflow.graph');
  });
});

describe('invalid options name the option and the value', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['retries', () => task('opt-1', () => 1, { retries: -1 }), "invalid option task('opt-1').retries: got -1, expected an integer >= 0"],
    ['backoff type', () => task('opt-2', () => 1, { retries: { attempts: 2, backoff: { type: 'linear' as never, delayMs: 1 } } }), "invalid option task('opt-2').retries.backoff.type: got 'linear', expected 'fixed' or 'exponential'"],
    ['timeoutMs', () => task('opt-3', () => 1, { timeoutMs: 0 }), "invalid option task('opt-3').timeoutMs: got 0, expected an integer from 1 to 2147483647"],
    ['unknown task option', () => task('opt-4', () => 1, { retry: 3 } as never), "invalid option task('opt-4').retry: got 3, expected one of retries, timeoutMs, maxCycles"],
    ['task id', () => task('has space', () => 1), "invalid option task(id): got 'has space', expected an id without whitespace or '#'"],
    ['group backend', () => parallel(a).withExecution({ backend: 'kafka' as never }), "expected 'local' or 'redis'"],
    ['group policy', () => parallel(a).withExecution({ policy: 'most' as never }), "policy: got 'most', expected 'strict', 'best_effort', { atLeast }, { critical } or a custom policy"],
    ['group timeout', () => parallel(a).withExecution({ timeoutMs: 1.5 }), 'timeoutMs: got 1.5, expected an integer from 1 to 2147483647'],
    ['queueBackend', () => workflow('o', () => a).run({ queueBackend: 'sqs' as never }), "invalid option queueBackend: got 'sqs', expected 'memory' or 'redis'"],
    ['memory channel with redis queue', () => workflow('o2', () => a).run({ queueBackend: 'redis', channelBackend: 'memory' }), "invalid option channelBackend: got 'memory', expected 'redis' when queueBackend is 'redis'"],
    ['redis port', () => workflow('o3', () => a).run({ queueBackend: 'redis', config: { port: 70000 } }), 'invalid option config.port: got 70000, expected a TCP port (1-65535)'],
    ['cluster prefix', () => workflow('o4', () => a).run({ queueBackend: 'redis', config: { cluster: true, keyPrefix: 'plain' } }), "invalid option config.keyPrefix: got 'plain', expected a hash tag in braces"],
    ['unknown run option', () => workflow('o5', () => a).run({ queueBakend: 'redis' } as never), "invalid option queueBakend: got 'redis'"],
  ];
  test.each(cases)('%s', async (_name, make, message) => {
    let err: unknown;
    try {
      await make();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as Error).message).toContain(message);
  });
});

function catchErr(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
