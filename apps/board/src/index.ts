/**
 * `@graflow/board`: Bull Board over one Graflow namespace, with formatters that show a parallel
 * group as `group <name> (n branches)` and its branches as `branch <nodeId>`.
 *
 * @example
 * ```ts
 * import { createBoardServer } from '@graflow/board';
 *
 * const board = await createBoardServer({
 *   redis: { host: '127.0.0.1', port: 6379 },
 *   keyPrefix: 'myapp:workflows',
 *   port: 3000,
 * });
 * console.log(`Bull Board at ${board.url}`); // http://127.0.0.1:3000/admin/queues
 * process.once('SIGTERM', () => void board.close());
 * ```
 *
 * The same from a shell: `graflow-board --redis-host 127.0.0.1 --redis-key-prefix myapp:workflows`.
 */
export { createBoardServer, BoardRedisUnreachableError } from './server';
export type { BoardServer } from './server';
export { resolveBoardOptions, parseBoardArgs, BoardOptionError, BOARD_ENV, TASKS_QUEUE } from './options';
export type { BoardOptions, BoardRedisOptions, ResolvedBoardOptions, BoardCommand } from './options';
export {
  applyGraflowFormatters,
  formatJobName,
  formatJobData,
  formatReturnValue,
  describePolicy,
  isBranchJobData,
  isGroupJobData,
} from './formatters';
export type { BranchReturnValue, GroupReturnValue, NamedJob } from './formatters';
