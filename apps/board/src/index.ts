/**
 * `@graflow/board`: Bull Board over every BullMQ queue of one Graflow namespace (`tasks` and pools
 * such as `gpu`, found as they appear). A parallel group shows as a flow: the parent job
 * `group <id>` and its branches named by node id, each finished branch with its value decoded.
 *
 * @example
 * ```ts
 * import { createBoardServer } from '@graflow/board';
 * import { createJsonLogger } from '@graflow/worker';
 *
 * const board = await createBoardServer({
 *   redis: { host: '127.0.0.1', port: 6379 },
 *   keyPrefix: 'myapp-workflows',
 *   port: 3000,
 *   logger: createJsonLogger(),
 * });
 * console.log(`Bull Board at ${board.url}`); // http://127.0.0.1:3000/admin/queues
 * process.once('SIGTERM', () => void board.close());
 * ```
 *
 * The same from a shell: `graflow-board --redis-host 127.0.0.1 --redis-key-prefix myapp-workflows`.
 */
export { createBoardServer, startBoard } from './server';
export type { BoardServer } from './server';
export { resolveBoardOptions, BoardOptionError, BOARD_DEFAULTS } from './options';
export type { BoardOptions, BoardRedisOptions, BoardTlsOptions, ResolvedBoardOptions, OptionSources } from './options';
export { parseBoardArgs, BOARD_ENV } from './cli';
export type { BoardCommand } from './cli';
export { discoverQueues, discoverShardQueues } from './queue-discovery';
export { BranchValueReader } from './branch-values';
export type { BranchValueView, ValueSource } from './branch-values';
export { toDisplayValue, DISPLAY_LIMITS } from './display-value';
export type { DisplayLimits, DisplayValue } from './display-value';
export { GraflowQueueAdapter } from './graflow-adapter';
export {
  applyGraflowFormatters,
  formatJobName,
  formatJobData,
  formatReturnValue,
  isBranchJobData,
  isGroupJobData,
  isGroupTimeoutJobData,
  BRANCH_VALUE,
} from './formatters';
export type { BranchReturnValue, GroupReturnValue, NamedJob } from './formatters';
