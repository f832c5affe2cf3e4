/** Marks a `RemoteError` in any copy of the package. */
const REMOTE_ERROR_BRAND = Symbol.for('graflow.remote-error');

/**
 * The error as it was thrown in another process (a worker), attached as the `cause` of the
 * error rebuilt here: `stack` is the remote stack (truncated when very long), so the task's own
 * frames are not lost on the way through Redis.
 */
export class RemoteError extends Error {
  constructor(
    /** The remote error's class name. */
    readonly remoteName: string,
    message: string,
    remoteStack: string,
  ) {
    super(message);
    this.name = 'RemoteError';
    this.stack = remoteStack;
    (this as unknown as Record<symbol, boolean>)[REMOTE_ERROR_BRAND] = true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REMOTE_ERROR_BRAND] === true;
  }
}
