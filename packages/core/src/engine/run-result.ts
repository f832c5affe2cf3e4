/** What a run resolves to. */
export interface RunResult<T = unknown> {
  runId: string;
  /** Value of the last node of the root sequence (a group's value maps branch ids to values). */
  output: T;
  /** Each task's value, by node id. */
  results: Record<string, unknown>;
}
