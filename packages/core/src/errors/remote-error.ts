import { GraflowError } from './graflow-error';

/**
 * The error as it was thrown in another process (a worker), attached as the `cause` of the
 * error rebuilt here: `stack` is the remote stack (truncated when very long), so the task's own
 * frames are not lost on the way through Redis.
 */
export class RemoteError extends GraflowError {
  static override readonly errorName: string = 'RemoteError';

  constructor(
    /** The remote error's class name. */
    readonly remoteName: string,
    message: string,
    remoteStack: string,
  ) {
    super('REMOTE_ERROR', message);
    this.stack = remoteStack;
  }
}
