import {
  describePolicy,
  formatJobData,
  formatJobName,
  formatReturnValue,
  isBranchJobData,
  isGroupJobData,
} from '../src/formatters';
import type { BranchJobData, GroupJobData } from '@graflow/core/redis';

const hash = 'ab'.repeat(32);
const limits = { ttl: 86_400, maxPayloadBytes: 1_000_000, epoch: 'e1' };
const group: GroupJobData = {
  v: 2,
  kind: 'group',
  runId: 'run-1',
  graphHash: hash,
  groupId: 'fetch_all',
  groupKey: 'run-1:fetch_all',
  name: 'fetch',
  branches: 3,
  ...limits,
};
const branch: BranchJobData = {
  v: 2,
  kind: 'branch',
  ...limits,
  runId: 'run-1',
  graphHash: hash,
  nodeId: 'fetch_a',
  groupId: 'fetch_all',
  groupKey: 'run-1:fetch_all',
  branchIndex: 0,
  path: 'fetch_all/fetch_a',
  cancelKeys: ['run-1:fetch_all'],
};

describe('formatJobName', () => {
  it('names a group by its name, else its id, with the branch count', () => {
    expect(formatJobName({ name: 'group', data: group })).toBe('group fetch (3 branches)');
    expect(formatJobName({ name: 'group', data: { ...group, name: undefined, branches: 1 } })).toBe('group fetch_all (1 branch)');
  });

  it('names a branch by its node', () => {
    expect(formatJobName({ name: 'fetch_a', data: branch })).toBe('fetch_a');
  });

  it('names a group timeout by its group', () => {
    const { runId, graphHash, groupId, groupKey } = group;
    expect(formatJobName({ name: 'group-timeout fetch_all', data: { v: 2, kind: 'group-timeout', runId, graphHash, groupId, groupKey, ...limits } })).toBe('group-timeout fetch_all');
  });

  it('leaves foreign or malformed jobs as they are', () => {
    expect(formatJobName({ name: 'email', data: { to: 'x' } })).toBe('email');
    expect(formatJobName({ name: 'branch', data: { v: 1, nodeId: 'n' } })).toBe('branch');
    expect(formatJobName({ name: 'group', data: null })).toBe('group');
    expect(formatJobName({})).toBe('');
  });
});

describe('formatJobData', () => {
  it('summarises a branch as run, group and node', () => {
    expect(formatJobData(branch)).toEqual({
      run: 'run-1',
      group: 'fetch_all',
      node: 'fetch_a',
      branch: 0,
      path: 'fetch_all/fetch_a',
      graph: `${hash.slice(0, 12)}…`,
      groupKey: 'run-1:fetch_all',
    });
  });

  it('summarises a group by run, name and branch count', () => {
    expect(formatJobData(group)).toMatchObject({
      run: 'run-1',
      group: 'fetch',
      groupId: 'fetch_all',
      branches: 3,
    });
  });

  it('returns anything else unchanged', () => {
    const foreign = { hello: 'world' };
    expect(formatJobData(foreign)).toBe(foreign);
    expect(formatJobData('text')).toBe('text');
    expect(isBranchJobData({ ...branch, branchIndex: 'x' })).toBe(false);
    expect(isGroupJobData({ ...group, runId: '' })).toBe(false);
  });
});

describe('describePolicy', () => {
  it.each([
    ['strict', 'strict'],
    ['best_effort', 'best_effort'],
    [{ atLeast: 2 }, 'at least 2'],
    [{ critical: ['a', 'b'] }, 'critical: a, b'],
    [{ custom: 'quorum' }, 'custom: quorum'],
    [{ other: true }, '{"other":true}'],
  ])('%j -> %s', (policy, text) => {
    expect(describePolicy(policy)).toBe(text);
  });
});

describe('formatReturnValue', () => {
  it('counts a group outcome', () => {
    const value = { status: 'failed', succeeded: ['a'], failed: [{ taskId: 'b', error: 'boom' }] };
    expect(formatReturnValue(value)).toEqual({ ...value, summary: '1 succeeded, 1 failed' });
  });

  it('names the node of a branch and says where its result lives', () => {
    expect(formatReturnValue({ nodeId: 'fetch_a', ok: true })).toEqual({ node: 'fetch_a', ok: true, result: expect.any(String) });
    expect(formatReturnValue({ nodeId: 'fetch_a', ok: true, replayed: true })).toMatchObject({ replayed: true });
  });

  it('returns anything else unchanged', () => {
    expect(formatReturnValue(42)).toBe(42);
    expect(formatReturnValue(null)).toBeNull();
  });
});
