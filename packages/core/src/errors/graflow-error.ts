import { describeThrown } from './describe-thrown';

/** Brand shared by every Graflow error class, in every package and every copy of a package. */
export const GRAFLOW_ERROR_BRAND = Symbol.for('graflow.error');

/**
 * Base of every error Graflow throws on purpose. `code` is stable and machine-readable; `cause`
 * carries the underlying error. Each subclass declares its `errorName` as a string literal: it
 * becomes `err.name` and is what `instanceof` compares, so both survive minifiers (which rename
 * classes) and duplicate package copies (whose classes are different objects). `@graflow/store`
 * cannot import this class (core depends on it), so its errors carry the same brand and
 * `instanceof GraflowError` holds for them too.
 */
export class GraflowError extends Error {
  /** The error's name; every subclass sets its own (a test checks that each one does). */
  static readonly errorName: string = 'GraflowError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = (new.target as typeof GraflowError).errorName;
    (this as unknown as Record<symbol, boolean>)[GRAFLOW_ERROR_BRAND] = true;
  }

  /**
   * Branded errors match by `errorName` along their class chain, so `err instanceof
   * ParallelGroupError` holds even when `err` came from another copy of the package.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!isGraflowError(value)) return false;
    if (this.errorName === GraflowError.errorName) return true;
    for (let proto = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
      if ((proto as { constructor?: { errorName?: unknown } }).constructor?.errorName === this.errorName) return true;
    }
    return false;
  }
}

/** True for any branded Graflow error, whichever package copy created it. */
export function isGraflowError(value: unknown): value is GraflowError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[GRAFLOW_ERROR_BRAND] === true
  );
}

/** Message of any thrown value, for summaries (see `describeThrown` for values that are not Errors). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : describeThrown(err);
}
