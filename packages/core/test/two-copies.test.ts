import { join } from 'node:path';
import * as fromSource from '@graflow/core';

// Two copies of @graflow/core in one process: the TypeScript sources (what jest maps the package
// to) and the built dist (what a user's module may load). They must share the task registry and
// recognise each other's errors.
const fromDist = require(join(__dirname, '..', 'dist', 'index.js')) as typeof fromSource;

test('the copies are distinct modules', () => {
  expect(fromDist.task).not.toBe(fromSource.task);
});

test('a task registered through one copy is visible to the other', async () => {
  fromDist.task('two-copies-task', () => 'from dist');
  expect(fromSource.registeredTaskIds()).toContain('two-copies-task');
  const wf = fromSource.workflow('two-copies', () => fromSource.task('two-copies-src', async (ctx) => ctx.getResult('two-copies-dist-result').catch(() => 'ran')));
  await expect(wf.run()).resolves.toMatchObject({ output: 'ran' });
  expect(() => fromSource.task('two-copies-task', () => 'a different function')).toThrow(fromDist.DuplicateTaskError);
});

test('errors from either copy are GraflowErrors to both', () => {
  const err = new fromDist.ParallelGroupError('g', [], []);
  expect(err).toBeInstanceOf(fromSource.GraflowError);
  expect(fromSource.isGraflowError(err)).toBe(true);
  expect(new fromSource.UnknownTaskError('t')).toBeInstanceOf(fromDist.GraflowError);
  expect(new Error('plain')).not.toBeInstanceOf(fromSource.GraflowError);
  expect(err).toBeInstanceOf(fromSource.ParallelGroupError);
  expect(err).not.toBeInstanceOf(fromSource.GroupTimeoutError);
});
