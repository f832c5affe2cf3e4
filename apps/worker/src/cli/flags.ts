import { readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { CliUsageError } from './errors';

/**
 * The machinery shared by every flag table (the worker's, the Redis flags the board reuses):
 * declaring flags on yargs, taking each value from the flag or else its environment variable,
 * and reading values with errors that name the flag (or variable) and the value.
 */

export type FlagType = 'string' | 'boolean' | 'array';

export interface FlagSpec {
  type: FlagType;
  /** What the value is, for the README (`--redis-tls-ca <file>`). */
  arg?: string;
  describe: string;
  /** Environment variable read when the flag is absent; the flag wins. */
  env?: string;
  /** Shown in `--help` and the README as the default; the resolve functions apply the real one. */
  shownDefault?: string;
  group: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

export type RawValue = string | boolean | (string | number)[];

/** A raw value and where it came from (`--flag` or `--flag (from VAR)`), so errors name it. */
export type RawFlagInput<Name extends string = string> = Partial<Record<Name, { value: RawValue; source: string }>>;

/**
 * The one yargs method `declareFlags` uses. Typed by shape, so the published types do not make
 * consumers install `@types/yargs`.
 */
export interface FlagParser {
  option(name: string, spec: { type: FlagType; group: string; describe: string; defaultDescription?: string }): unknown;
}

/** Declares every flag of `table` on a yargs parser, the variable shown in its description. */
export function declareFlags(parser: FlagParser, table: FlagTable): void {
  for (const [name, spec] of Object.entries(table)) {
    parser.option(name, {
      type: spec.type,
      group: spec.group,
      describe: spec.env ? `${spec.describe} [env: ${spec.env}]` : spec.describe,
      ...(spec.shownDefault !== undefined ? { defaultDescription: spec.shownDefault } : {}),
    });
  }
}

/** The value of each flag of `table`: from parsed argv, else from its (non-empty) variable. */
export function collectFlagInput<T extends FlagTable>(parsed: Record<string, unknown>, env: NodeJS.ProcessEnv, table: T): RawFlagInput<Extract<keyof T, string>> {
  const input: RawFlagInput<string> = {};
  for (const [name, spec] of Object.entries(table)) {
    const fromFlag = parsed[name];
    if (fromFlag !== undefined) input[name] = { value: fromFlag as RawValue, source: `--${name}` };
    else if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') {
      input[name] = { value: env[spec.env]!, source: `--${name} (from ${spec.env})` };
    }
  }
  return input;
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
};

/** Typed access to the raw input; every failure names the flag (or variable) and the value. */
export class FlagReader<Name extends string> {
  constructor(private readonly input: RawFlagInput<Name>) {}

  sourceOf(name: Name): string | undefined {
    return this.input[name]?.source;
  }

  has(name: Name): boolean {
    return this.input[name] !== undefined;
  }

  private scalar(name: Name): { text: string; source: string } | undefined {
    const entry = this.input[name];
    if (!entry) return undefined;
    // A repeated scalar flag yields an array; the last occurrence wins.
    const value = Array.isArray(entry.value) ? entry.value[entry.value.length - 1] : entry.value;
    return { text: String(value ?? '').trim(), source: entry.source };
  }

  invalid(source: string, text: string, expected: string): CliUsageError {
    return new CliUsageError(`invalid value for ${source}: ${JSON.stringify(text)} (expected ${expected})`);
  }

  text(name: Name, pattern = /^.+$/, expected = 'a non-empty value'): string | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    if (!pattern.test(raw.text)) throw this.invalid(raw.source, raw.text, expected);
    return raw.text;
  }

  integer(name: Name, min: number, max: number): number | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    const value = /^\d+$/.test(raw.text) ? Number(raw.text) : NaN;
    if (!(value >= min && value <= max)) throw this.invalid(raw.source, raw.text, `an integer from ${min} to ${max}`);
    return value;
  }

  seconds(name: Name): number | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    const value = /^\d+(\.\d+)?$/.test(raw.text) ? Number(raw.text) : NaN;
    if (!(value >= 0 && value <= 2_000_000)) throw this.invalid(raw.source, raw.text, 'a number of seconds >= 0');
    return value;
  }

  oneOf<T extends string>(name: Name, allowed: readonly T[]): T | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    if (!(allowed as readonly string[]).includes(raw.text)) throw this.invalid(raw.source, raw.text, `one of ${allowed.join(', ')}`);
    return raw.text as T;
  }

  /** A switch: `--flag` on the command line, or its variable set to true/false, 1/0, yes/no, on/off. */
  boolean(name: Name): boolean {
    const entry = this.input[name];
    if (entry === undefined || typeof entry.value === 'boolean') return entry?.value === true;
    const text = String(entry.value).trim().toLowerCase();
    if (TRUE.includes(text)) return true;
    if (FALSE.includes(text)) return false;
    throw this.invalid(entry.source, String(entry.value), 'true or false');
  }

  /** The contents of the file a flag names; an unreadable file names the flag and the path. */
  file(name: Name): { path: string; text: string } | undefined {
    const raw = this.scalar(name);
    if (!raw) return undefined;
    try {
      return { path: raw.text, text: readFileSync(raw.text, 'utf8') };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      throw new CliUsageError(`cannot read ${raw.source} file ${JSON.stringify(raw.text)}: ${FILE_ERRORS[code] ?? (err as Error).message}`);
    }
  }

  /** A repeatable flag, each occurrence (or the variable) split on commas. */
  commaList(name: Name): { values: string[]; source: string } | undefined {
    const entry = this.input[name];
    if (!entry) return undefined;
    const given = Array.isArray(entry.value) ? entry.value.map(String) : [String(entry.value)];
    return { values: given.flatMap((value) => value.split(',')).map((part) => part.trim()), source: entry.source };
  }

  /** A repeatable flag, or its variable split on commas and the path delimiter. */
  list(name: Name): string[] {
    const entry = this.input[name];
    if (!entry) return [];
    const parts = Array.isArray(entry.value) ? entry.value.map(String) : String(entry.value).split(new RegExp(`[,${delimiter}]`));
    return parts.map((part) => part.trim()).filter((part) => part.length > 0);
  }
}
