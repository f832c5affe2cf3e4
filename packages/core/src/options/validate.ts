import { InvalidOptionError } from '../errors';

/**
 * The checks every options resolver shares: each failure names the option and the value it got.
 */

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
