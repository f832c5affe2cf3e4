import type { BranchJobData, GateJobData, GroupJobData, GroupTimeoutJobData, RunJobData } from '@graflow/core/redis';
import {
  BRANCH_VALUE,
  formatJobData,
  formatJobName,
  formatReturnValue,
  isBranchJobData,
  isGateJobData,
  isGroupJobData,
  isRunJobData,
} from '../src/formatters';

const hash = 'ab'.repeat(32);
const limits = { ttl: 86_400, maxPayloadBytes: 1_000_000, epoch: 'e1' };
const group: GroupJobData = { v: 2, kind: 'group', runId: 'run-1', graphHash: hash, groupId: 'crunch-all', groupKey: 'k1', branches: 3, ...limits };
const branch: BranchJobData = {
  v: 2,
  kind: 'branch',
  ...limits,
  runId: 'run-1',
  graphHash: hash,
  nodeId: 'crunch-7',
  groupId: 'crunch-all',
  groupKey: 'k1',
  branchIndex: 0,
  path: '/crunch-all@1/crunch-7',
  cancelKeys: ['run-1/k1'],
};
const timeout: GroupTimeoutJobData = { v: 2, kind: 'group-timeout', runId: 'run-1', graphHash: hash, groupId: 'crunch-all', groupKey: 'k1', ...limits };
const gate: GateJobData = { v: 2, kind: 'gate', runId: 'run-1', graphHash: hash, groupId: 'crunch-all', groupKey: 'k1', ...limits };
const run: RunJobData = { v: 2, kind: 'run', runId: 'run-1', graphHash: hash, workflow: 'nightly-report', startNode: 'fetch', ...limits };

describe('formatJobName', () => {
  it("keeps core's names: a branch by node id, a group and its timeout by group id", () => {
    expect(formatJobName({ name: 'crunch-7', data: branch })).toBe('crunch-7');
    expect(formatJobName({ name: 'group crunch-all', data: group })).toBe('group crunch-all');
    expect(formatJobName({ name: 'group crunch-all', data: { ...group, name: 'crunch-all' } })).toBe('group crunch-all');
    expect(formatJobName({ name: 'group-timeout crunch-all', data: timeout })).toBe('group-timeout crunch-all');
  });

  it('names a large group\'s gate by its group, and a submitted run\'s root by its workflow', () => {
    expect(formatJobName({ name: 'gate crunch-all', data: gate })).toBe('gate crunch-all');
    expect(formatJobName({ name: 'whatever', data: run })).toBe('run nightly-report');
  });

  it('never renames a branch to "branch ..."', () => {
    // Even a job whose stored name is the old generic one shows its node id.
    expect(formatJobName({ name: 'branch', data: branch })).toBe('crunch-7');
  });

  it('leaves foreign, old-version or malformed jobs as they are', () => {
    expect(formatJobName({ name: 'email', data: { to: 'x' } })).toBe('email');
    expect(formatJobName({ name: 'branch', data: { v: 1, kind: 'branch', nodeId: 'n' } })).toBe('branch');
    expect(formatJobName({ name: 'group', data: null })).toBe('group');
    expect(formatJobName({})).toBe('');
  });
});

describe('formatJobData', () => {
  it('summarises a branch as run, group and node, with the run limits', () => {
    expect(formatJobData(branch)).toEqual({
      run: 'run-1',
      group: 'crunch-all',
      node: 'crunch-7',
      branch: 0,
      path: '/crunch-all@1/crunch-7',
      graph: `${hash.slice(0, 12)}…`,
      groupKey: 'k1',
      ttlSeconds: 86_400,
      maxPayloadBytes: 1_000_000,
    });
  });

  it('summarises a group by run, id and branch count', () => {
    expect(formatJobData(group)).toMatchObject({ run: 'run-1', group: 'crunch-all', branches: 3 });
    expect(formatJobData(timeout)).toMatchObject({ run: 'run-1', group: 'crunch-all', timeoutOf: 'group crunch-all' });
  });

  it('says what a gate holds open, and what a run job starts', () => {
    expect(formatJobData(gate)).toMatchObject({ run: 'run-1', group: 'crunch-all', gateOf: 'group crunch-all', groupKey: 'k1' });
    expect(String((formatJobData(gate) as { holds: string }).holds)).toMatch(/added in chunks/);
    expect(formatJobData(run)).toEqual({ run: 'run-1', workflow: 'nightly-report', startNode: 'fetch', graph: `${hash.slice(0, 12)}…`, ttlSeconds: 86_400, maxPayloadBytes: 1_000_000 });
    expect(isGateJobData({ ...gate, groupId: '' })).toBe(false);
    expect(isRunJobData({ ...run, startNode: undefined })).toBe(false);
    expect(isRunJobData({ ...run, v: 1 })).toBe(false);
  });

  it('returns anything else unchanged', () => {
    const foreign = { hello: 'world' };
    expect(formatJobData(foreign)).toBe(foreign);
    expect(formatJobData('text')).toBe('text');
    expect(isBranchJobData({ ...branch, branchIndex: 'x' })).toBe(false);
    expect(isBranchJobData({ ...branch, branchIndex: -1 })).toBe(false);
    expect(isGroupJobData({ ...group, runId: '' })).toBe(false);
    expect(isGroupJobData({ ...group, v: 1 })).toBe(false);
  });
});

describe('formatReturnValue', () => {
  it('counts a group outcome (a best_effort group succeeds with failures; late branches show as done)', () => {
    expect(formatReturnValue({ status: 'succeeded', done: 3, ok: 2, fail: 1 })).toEqual({ status: 'succeeded', summary: '2 succeeded, 1 failed' });
    expect(formatReturnValue({ status: 'succeeded', done: 4, ok: 3, fail: 0 })).toEqual({ status: 'succeeded', summary: '3 succeeded, 0 failed', done: 4 });
  });

  it('shows the decoded value a branch produced, and where it was read', () => {
    const value = { nodeId: 'crunch-7', ok: true, [BRANCH_VALUE]: { found: true, ok: true, source: 'run results', value: { square: 49 }, bytes: 12 } };
    expect(formatReturnValue(value)).toEqual({ node: 'crunch-7', ok: true, result: { square: 49 }, from: 'run results' });
    const failed = { nodeId: 'x', ok: false, skipped: true, [BRANCH_VALUE]: { found: true, ok: false, source: 'barrier outcome', value: { name: 'Error', message: 'skipped' }, bytes: 9 } };
    expect(formatReturnValue(failed)).toEqual({ node: 'x', ok: false, skipped: true, error: { name: 'Error', message: 'skipped' }, from: 'barrier outcome' });
  });

  it('says why a value is missing or cut', () => {
    const gone = { nodeId: 'crunch-7', ok: true, replayed: true, [BRANCH_VALUE]: { found: false, note: 'no value in Redis' } };
    expect(formatReturnValue(gone)).toEqual({ node: 'crunch-7', ok: true, replayed: true, result: null, note: 'no value in Redis' });
    const cut = { nodeId: 'n', ok: true, [BRANCH_VALUE]: { found: true, ok: true, source: 'run results', value: 'xx…', bytes: 9, note: 'truncated for display' } };
    expect(formatReturnValue(cut)).toMatchObject({ result: 'xx…', note: 'truncated for display' });
  });

  it('does not take a "result" that came from Redis for a decoded value', () => {
    // Only the adapter can attach a decoded value (under a symbol JSON cannot carry).
    const spoofed = JSON.parse('{"nodeId":"n","ok":true,"result":"forged"}') as unknown;
    expect(formatReturnValue(spoofed)).toEqual({ node: 'n', ok: true, result: expect.stringMatching(/^not loaded/) });
  });

  it('returns anything else unchanged and never throws', () => {
    expect(formatReturnValue(42)).toBe(42);
    expect(formatReturnValue(null)).toBeNull();
    const hostile = {
      status: 'succeeded',
      failed: [],
      get succeeded(): string[] {
        throw new Error('getter blew up');
      },
    };
    expect(formatReturnValue(hostile)).toBe(hostile);
    const hostileJob = {
      get data(): unknown {
        throw new Error('getter blew up');
      },
      name: 'kept',
    };
    expect(formatJobName(hostileJob)).toBe('kept');
  });
});
