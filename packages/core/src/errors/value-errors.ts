import { GraflowError } from './graflow-error';

/**
 * A value (a task's result, a bound task's params, a channel value) that the value codec cannot
 * carry unchanged between processes. Both backends refuse it the same way, so a workflow that runs
 * in-process also runs distributed. Names what the value is (`subject`: "result of 'load'",
 * "channel value 'rows'"), where in it the problem sits (`path`: `$.items[3].fn`) and what was found.
 */
export class UnsupportedValueError extends GraflowError {
  static override readonly errorName: string = 'UnsupportedValueError';

  constructor(
    readonly subject: string,
    readonly path: string,
    /** What was found at `path`, e.g. "a function (fn)" or "an instance of class Point". */
    readonly found: string,
    hint?: string,
  ) {
    super('UNSUPPORTED_VALUE', `${subject} cannot be stored: ${path} is ${found}${hint ? `; ${hint}` : ''}`);
  }
}
