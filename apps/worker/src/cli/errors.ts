import { GraflowError } from '@graflow/core';

/** Process exit codes of `graflow-worker` and `graflow-exporter`. */
export const ExitCode = {
  ok: 0,
  /** Start-up failed (task modules, Redis, port) or shutdown passed its deadline. */
  failure: 1,
  /** Bad command line or environment: an unknown flag or an invalid value. */
  usage: 2,
} as const;

/** A bad flag or environment value; the CLI prints `message` (one line) and exits 2. */
export class CliUsageError extends GraflowError {
  static override readonly errorName: string = 'CliUsageError';

  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

/** A start-up failure the operator can act on; the CLI logs `message` (one line) and exits 1. */
export class StartupError extends GraflowError {
  static override readonly errorName: string = 'StartupError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('STARTUP_FAILED', message, options);
  }
}

/** The first line of an error's message, for one-line reports without stacks. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0]!.trim();
}
