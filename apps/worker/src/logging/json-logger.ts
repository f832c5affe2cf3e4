import type { Logger } from '../task-worker-api';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: Infinity };
const RESERVED = new Set(['ts', 'level', 'msg', 'workerId']);

export interface JsonLoggerOptions {
  /** Lowest level written. @defaultValue 'info' */
  level?: LogLevel;
  /** Added to every line. */
  workerId?: string;
  /** Where lines go. @defaultValue process.stdout */
  write?: (line: string) => void;
  /** Clock, for tests. @defaultValue () => new Date() */
  now?: () => Date;
}

/**
 * Writes one JSON object per line: `{"ts","level","msg","workerId",...fields}`. Errors in fields
 * are reduced to name and message (the stack only at debug level), and fields never overwrite
 * the four fixed keys.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const withStack = threshold <= RANK.debug;
  const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < threshold) return;
    const line: Record<string, unknown> = { ts: now().toISOString(), level, msg };
    if (options.workerId !== undefined) line.workerId = options.workerId;
    for (const [key, value] of Object.entries(fields ?? {})) {
      if (!RESERVED.has(key) && value !== undefined) line[key] = value instanceof Error ? describeError(value, withStack) : value;
    }
    write(`${safeStringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}

function describeError(err: Error, withStack: boolean): Record<string, unknown> {
  return { name: err.name, message: err.message, ...(withStack && err.stack ? { stack: err.stack } : {}) };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return JSON.stringify({ ...(value as object), unserializable: true }, ['ts', 'level', 'msg', 'workerId', 'unserializable']);
  }
}
