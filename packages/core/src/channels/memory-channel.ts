import { decodeValue, encodeValue } from '../codec/value-codec';
import { notANumber, type Channel, type ChannelWriteOptions, type RunControl, type RunState } from './channel';

// Values pass through the same codec as on Redis, so both backends accept and return the same types.
const copy = (value: unknown): unknown => decodeValue(encodeValue(value, 'channel value', Number.MAX_SAFE_INTEGER));

interface Slot {
  value: unknown;
  expiresAt?: number;
}

/** The in-process channel: the default, with the same semantics as the Redis one. */
export class MemoryChannel implements Channel {
  private readonly slots = new Map<string, Slot>();

  private live(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot?.expiresAt !== undefined && slot.expiresAt <= Date.now()) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  private write(key: string, value: unknown, options?: ChannelWriteOptions): void {
    const slot: Slot = { value };
    if (options?.ttlMs !== undefined) slot.expiresAt = Date.now() + options.ttlMs;
    this.slots.set(key, slot);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return this.live(key)?.value as T | undefined;
  }

  async set(key: string, value: unknown, options?: ChannelWriteOptions): Promise<void> {
    this.write(key, copy(value), options);
  }

  async delete(key: string): Promise<boolean> {
    return this.live(key) !== undefined && this.slots.delete(key);
  }

  async keys(): Promise<string[]> {
    return [...this.slots.keys()].filter((k) => this.live(k) !== undefined).sort();
  }

  async append(key: string, value: unknown, options?: ChannelWriteOptions): Promise<number> {
    const current = this.live(key)?.value;
    const list = Array.isArray(current) ? [...current, copy(value)] : [copy(value)];
    this.write(key, list, options ?? { ttlMs: this.remaining(key) });
    return list.length;
  }

  async incr(key: string, by = 1, options?: ChannelWriteOptions): Promise<number> {
    const current = this.live(key)?.value;
    if (current !== undefined && typeof current !== 'number') throw notANumber(key);
    const next = (current ?? 0) + by;
    this.write(key, next, options ?? { ttlMs: this.remaining(key) });
    return next;
  }

  /** Keeps an existing TTL when a write gives none (as Redis does for APPEND/INCR). */
  private remaining(key: string): number | undefined {
    const at = this.live(key)?.expiresAt;
    return at === undefined ? undefined : Math.max(1, at - Date.now());
  }
}

export class MemoryRunState implements RunState {
  readonly channel = new MemoryChannel();
  private readonly values = new Map<string, unknown>();
  private control: RunControl | undefined;

  async setResult(nodeId: string, value: unknown): Promise<void> {
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
