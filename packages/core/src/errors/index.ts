export { GraflowError, isGraflowError, errorMessage, GRAFLOW_ERROR_BRAND } from './graflow-error';
export { UnsupportedValueError } from './value-errors';
export { describeThrown } from './describe-thrown';
export { DuplicateTaskError, GraphDefinitionError, InvalidOptionError } from './definition-errors';
export {
  UnknownTaskError,
  TaskTimeoutError,
  GroupTimeoutError,
  ParallelGroupError,
  CycleLimitExceededError,
  WorkflowCancelledError,
  GotoOutOfBranchError,
  ResultNotFoundError,
  GraflowConnectionError,
  RedisAccessError,
  NoWorkerActivityError,
  RunIdInUseError,
  BarrierGoneError,
  BranchStalledError,
  MalformedJobError,
  PayloadTooLargeError,
} from './runtime-errors';
export type { BranchFailure, NoWorkerObservation } from './runtime-errors';
