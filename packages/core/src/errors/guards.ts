import { DuplicateTaskError, GraphDefinitionError, InvalidOptionError } from './definition-errors';
import type { GraflowError } from './graflow-error';
import { BranchRemovedError, ClientClosedError, RunFailedError, RunHandleClosedError, RunJobFailedError, RunNotFoundError } from './run-errors';
import {
  BarrierGoneError, BranchStalledError, CycleLimitExceededError, GotoOutOfBranchError, GraflowConnectionError, GroupTimeoutError,
  MalformedJobError, NoWorkerActivityError, ParallelGroupError, PayloadTooLargeError, RedisAccessError, ResultNotFoundError,
  RunIdInUseError, TaskTimeoutError, UnknownTaskError, WorkflowCancelledError,
} from './runtime-errors';
import { UnsupportedValueError } from './value-errors';

/**
 * Type guards, one per error class, for code that prefers a function to `instanceof` (both work
 * across duplicate package copies; see `GraflowError`). `isGraflowError` is in `graflow-error.ts`.
 */
function guard<T extends GraflowError>(cls: abstract new (...args: never[]) => T): (err: unknown) => err is T {
  return (err: unknown): err is T => err instanceof cls;
}

export const isDuplicateTaskError = guard(DuplicateTaskError);
export const isGraphDefinitionError = guard(GraphDefinitionError);
export const isInvalidOptionError = guard(InvalidOptionError);
export const isUnknownTaskError = guard(UnknownTaskError);
export const isTaskTimeoutError = guard(TaskTimeoutError);
export const isGroupTimeoutError = guard(GroupTimeoutError);
export const isParallelGroupError = guard(ParallelGroupError);
export const isCycleLimitExceededError = guard(CycleLimitExceededError);
export const isWorkflowCancelledError = guard(WorkflowCancelledError);
export const isGotoOutOfBranchError = guard(GotoOutOfBranchError);
export const isResultNotFoundError = guard(ResultNotFoundError);
export const isGraflowConnectionError = guard(GraflowConnectionError);
export const isRedisAccessError = guard(RedisAccessError);
export const isNoWorkerActivityError = guard(NoWorkerActivityError);
export const isRunIdInUseError = guard(RunIdInUseError);
export const isBarrierGoneError = guard(BarrierGoneError);
export const isBranchStalledError = guard(BranchStalledError);
export const isBranchRemovedError = guard(BranchRemovedError);
export const isMalformedJobError = guard(MalformedJobError);
export const isPayloadTooLargeError = guard(PayloadTooLargeError);
export const isUnsupportedValueError = guard(UnsupportedValueError);
export const isRunNotFoundError = guard(RunNotFoundError);
export const isRunHandleClosedError = guard(RunHandleClosedError);
export const isRunFailedError = guard(RunFailedError);
export const isRunJobFailedError = guard(RunJobFailedError);
export const isClientClosedError = guard(ClientClosedError);
