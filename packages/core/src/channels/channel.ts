/** Per-write options of a channel. */
export interface ChannelWriteOptions {
  /** The key expires this long after the write. @defaultValue no expiry (the run's TTL in Redis) */
  ttlMs?: number;
}

/**
 * Shared state of one run, visible to every task (in-process or on workers). Values are
 * msgpack-encoded on both backends with the same rules (see codec/value-rules.ts), so Date, Map,
 * Set, Buffer and BigInt round-trip, each reader gets its own copy, and a value one backend
 * refuses (a function, a class instance) the other refuses with the same `UnsupportedValueError`.
 */
export interface Channel {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options?: ChannelWriteOptions): Promise<void>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
  /** Appends to the list at `key`; returns the new length. */
  append(key: string, value: unknown, options?: ChannelWriteOptions): Promise<number>;
  /** Adds `by` to the integer at `key`; returns the new value. */
  incr(key: string, by?: number, options?: ChannelWriteOptions): Promise<number>;
}

/** `incr` on a channel entry that holds something other than a number (both backends). */
export function notANumber(key: string): TypeError {
  return new TypeError(`channel value '${key}' is not a number; incr needs a number or a missing key`);
}

/** `append` on a channel entry written by `set` (Redis answers WRONGTYPE for it). */
export function notAList(key: string): TypeError {
  return new TypeError(`channel value '${key}' is not a list; append needs a list made by append or a missing key`);
}

/** `incr`'s `by` must be a finite number (Redis' Lua cannot add NaN, Infinity or a string). */
export function assertIncrement(key: string, by: unknown): void {
  if (typeof by !== 'number' || !Number.isFinite(by)) {
    throw new TypeError(`channel incr('${key}', by): by must be a finite number, got ${typeof by === 'number' ? String(by) : typeof by}`);
  }
}

export type RunControl = { kind: 'terminated' | 'cancelled'; reason?: string };

/** Where a run keeps its results, its channel and its control flags. */
export interface RunState {
  readonly channel: Channel;
  setResult(nodeId: string, value: unknown): Promise<void>;
  getResult(nodeId: string): Promise<{ found: boolean; value?: unknown }>;
  results(): Promise<Record<string, unknown>>;
  setControl(control: RunControl): Promise<void>;
  getControl(): Promise<RunControl | undefined>;
  /** The control flag and every result, in one read, when the run ends. */
  final(): Promise<{ control: RunControl | undefined; results: Record<string, unknown> }>;
}

/** Replay journal of a branch execution: lets a resumed or re-run branch skip finished steps. */
export interface Journal {
  get(step: string): Promise<JournalEntry | undefined>;
  put(step: string, entry: JournalEntry): Promise<void>;
}

export interface JournalEntry {
  value: unknown;
  directives: unknown;
}
