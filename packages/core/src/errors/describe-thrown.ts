import { inspect } from 'node:util';

/** Longest description `describeThrown` returns (a thrown value may be huge). */
const MAX_DESCRIPTION = 2_000;

/**
 * What a thrown value that is not an Error says about itself, as readable text: a string is its
 * own message; anything else (undefined, a number, a BigInt, an object with a cycle, a Symbol) is
 * rendered as far as it can be, never through `JSON.stringify` (which throws on cycles and BigInt).
 * Used in-process and by the error summaries workers record, so both show the same text.
 */
export function describeThrown(value: unknown): string {
  if (typeof value === 'string') return cap(value === '' ? 'an empty string was thrown (not an Error)' : value);
  return cap(`a non-Error value was thrown: ${render(value)}`);
}

function render(value: unknown): string {
  try {
    return inspect(value, { depth: 4, maxArrayLength: 20, maxStringLength: 500, breakLength: Infinity, compact: true });
  } catch {
    // A custom inspect hook or a revoked Proxy can throw; its tag still says what it was.
    return Object.prototype.toString.call(value);
  }
}

function cap(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION)}... (${text.length} characters)`;
}
