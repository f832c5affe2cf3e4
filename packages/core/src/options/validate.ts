import { InvalidOptionError } from '../errors';

/**
 * The checks every options resolver shares: each failure names the option and the value it got.
 */

/**
 * The longest delay a Node timer can wait: past it, setTimeout fires after 1 ms instead (with only a
 * warning), so a 30-day timeout would fire at once. Every option that ends up in a timer has it as
 * its maximum.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options must be an object (or omitted); a number or a string in their place is a mistake. */
export function assertOptionsObject(options: unknown, where: string): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new InvalidOptionError(where, options, 'an object of options');
  }
}

/** An integer option: `fallback` when undefined, else an integer in [min, max]. */
export function integerOption(option: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  }
  return value;
}

/** Refuses keys that are not options, naming the first unknown one. */
export function assertKnownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const prefix = where === '' ? '' : `${where}.`;
      throw new InvalidOptionError(`${prefix}${key}`, (options as Record<string, unknown>)[key], `one of ${known.join(', ')}`);
    }
  }
}
