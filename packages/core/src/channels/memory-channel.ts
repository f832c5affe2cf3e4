import { checkValue, decodeValue, encodeValue } from '../codec/value-codec';
import { RUN_OPTION_DEFAULTS } from '../options/run-options';
import { assertIncrement, notANumber, notAList, type Channel, type ChannelWriteOptions, type RunControl, type RunState } from './channel';

/** What an in-process run enforces on the values it keeps, as a Redis run does. */
export interface MemoryLimits {
  /** Largest encoded result or channel value (the run's `maxPayloadBytes`). */
  maxPayloadBytes: number;
}

const DEFAULT_LIMITS: MemoryLimits = { maxPayloadBytes: RUN_OPTION_DEFAULTS.maxPayloadBytes };

/** A channel entry: one encoded value, or a list of them (what `append` builds). */
interface Slot {
  value?: Uint8Array;
  list?: Uint8Array[];
  expiresAt?: number;
}

/**
 * The in-process channel: the default, with the same semantics as the Redis one. Entries are kept
 * encoded with the same codec, so a value is refused, limited and copied exactly as on Redis: a
 * reader gets its own copy, and a writer that mutates its object afterwards changes nothing here.
 */
export class MemoryChannel implements Channel {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly limits: MemoryLimits = DEFAULT_LIMITS) {}

  private live(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot?.expiresAt !== undefined && slot.expiresAt <= Date.now()) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private encode(key: string, value: unknown): Uint8Array {
    // A copy: msgpackr returns a view into a shared buffer that a long-lived entry would pin.
    return encodeValue(value, `channel value '${key}'`, this.limits.maxPayloadBytes).slice();
  }

  private write(key: string, slot: Slot, options?: ChannelWriteOptions): void {
    if (options?.ttlMs !== undefined) slot.expiresAt = Date.now() + options.ttlMs;
    this.slots.set(key, slot);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const slot = this.live(key);
    if (!slot) return undefined;
    return (slot.list ? slot.list.map(decodeValue) : decodeValue(slot.value!)) as T;
  }

  async set(key: string, value: unknown, options?: ChannelWriteOptions): Promise<void> {
    this.write(key, { value: this.encode(key, value) }, options);
  }

  async delete(key: string): Promise<boolean> {
    return this.live(key) !== undefined && this.slots.delete(key);
  }

  async keys(): Promise<string[]> {
    return [...this.slots.keys()].filter((k) => this.live(k) !== undefined).sort();
  }

  async append(key: string, value: unknown, options?: ChannelWriteOptions): Promise<number> {
    const bytes = this.encode(key, value);
    const current = this.live(key);
    if (current && !current.list) throw notAList(key);
    const list = [...(current?.list ?? []), bytes];
    this.write(key, { list }, options ?? { ttlMs: this.remaining(key) });
    return list.length;
  }

  async incr(key: string, by = 1, options?: ChannelWriteOptions): Promise<number> {
    assertIncrement(key, by);
    const slot = this.live(key);
    if (slot?.list) throw notANumber(key);
    const current = slot ? decodeValue(slot.value!) : 0;
    if (typeof current !== 'number') throw notANumber(key);
    // `+ 0` turns a -0 sum into 0, as Lua's arithmetic in the Redis channel's incr does.
    const next = current + by + 0;
    this.write(key, { value: this.encode(key, next) }, options ?? { ttlMs: this.remaining(key) });
    return next;
  }

  /** Keeps an existing TTL when a write gives none (as Redis does for APPEND/INCR). */
  private remaining(key: string): number | undefined {
    const at = this.live(key)?.expiresAt;
    return at === undefined ? undefined : Math.max(1, at - Date.now());
  }
}

/**
 * Results, channel and control flags of an in-process run. Results are checked by the same rules
 * and limit as on Redis (so a value that would fail distributed fails here too), but kept as the
 * very objects the tasks returned: checking needs no encoding, and a run of many small tasks
 * stays cheap. Treat results as immutable.
 */
export class MemoryRunState implements RunState {
  readonly channel: MemoryChannel;
  private readonly values = new Map<string, unknown>();
  private control: RunControl | undefined;

  constructor(private readonly limits: MemoryLimits = DEFAULT_LIMITS) {
    this.channel = new MemoryChannel(limits);
  }

  async setResult(nodeId: string, value: unknown): Promise<void> {
    checkValue(value, `result of '${nodeId}'`, this.limits.maxPayloadBytes);
    this.values.set(nodeId, value);
  }

  async getResult(nodeId: string): Promise<{ found: boolean; value?: unknown }> {
    return this.values.has(nodeId) ? { found: true, value: this.values.get(nodeId) } : { found: false };
  }

  async results(): Promise<Record<string, unknown>> {
    return Object.fromEntries(this.values);
  }

  async setControl(control: RunControl): Promise<void> {
    this.control ??= control;
  }

  async getControl(): Promise<RunControl | undefined> {
    return this.control;
  }

  async final(): Promise<{ control: RunControl | undefined; results: Record<string, unknown> }> {
    return { control: this.control, results: await this.results() };
  }
}
