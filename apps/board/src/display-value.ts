/**
 * A decoded value as JSON the board can show: bounded in size, and faithful about the types
 * msgpackr's structured clone carries (Date, Map, Set, BigInt, Buffer, Error) instead of letting
 * JSON.stringify turn them into `{}` or throw.
 */

export interface DisplayLimits {
  /** Nesting shown before `[…]`. */
  depth: number;
  /** Items of an array, Map, Set or object shown before a `… N more` marker. */
  items: number;
  /** Characters of a string shown before it is cut. */
  stringChars: number;
  /** Characters of the whole JSON; past it the view becomes a cut JSON preview. */
  totalChars: number;
}

export const DISPLAY_LIMITS: Readonly<DisplayLimits> = Object.freeze({ depth: 8, items: 100, stringChars: 2_000, totalChars: 32_000 });

/** The JSON-safe view and whether anything was left out. */
export interface DisplayValue {
  value: unknown;
  truncated: boolean;
}

class Shrinker {
  truncated = false;
  private readonly seen = new Set<object>();

  constructor(private readonly limits: DisplayLimits) {}

  view(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
        return this.text(value);
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'bigint':
        return `${value}n`;
      case 'undefined':
        return null;
      case 'boolean':
        return value;
      case 'symbol':
      case 'function':
        return String(value);
    }
    if (value === null) return null;
    const obj = value as object;
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof RegExp) return String(value);
    if (ArrayBuffer.isView(value)) return this.bytes(value);
    if (value instanceof ArrayBuffer) return this.bytes(new Uint8Array(value));
    if (this.seen.has(obj)) return '[Circular]';
    if (depth >= this.limits.depth) {
      this.truncated = true;
      return '[…]';
    }
    this.seen.add(obj);
    try {
      if (value instanceof Error) return { '[Error]': `${value.name}: ${this.text(value.message)}` };
      if (value instanceof Map) return { '[Map]': this.list([...value.entries()].map(([k, v]) => [k, v]), depth + 1) };
      if (value instanceof Set) return { '[Set]': this.list([...value], depth + 1) };
      if (Array.isArray(value)) return this.list(value, depth);
      return this.record(obj as Record<string, unknown>, depth);
    } finally {
      this.seen.delete(obj);
    }
  }

  private text(value: string): string {
    if (value.length <= this.limits.stringChars) return value;
    this.truncated = true;
    return `${value.slice(0, this.limits.stringChars)}… (${value.length - this.limits.stringChars} more characters)`;
  }

  private bytes(view: ArrayBufferView): string {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const shown = Buffer.from(bytes.subarray(0, 32)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    const kind = Buffer.isBuffer(view) ? 'Buffer' : view.constructor.name;
    return `<${kind} ${bytes.length} bytes${bytes.length ? `: ${shown}${bytes.length > 32 ? ' …' : ''}` : ''}>`;
  }

  private list(items: unknown[], depth: number): unknown[] {
    const shown = items.slice(0, this.limits.items).map((item) => this.view(item, depth + 1));
    if (items.length > this.limits.items) {
      this.truncated = true;
      shown.push(`… ${items.length - this.limits.items} more items`);
    }
    return shown;
  }

  private record(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
    const keys = Object.keys(obj);
    const out: Record<string, unknown> = {};
    for (const key of keys.slice(0, this.limits.items)) out[key] = this.view(obj[key], depth + 1);
    if (keys.length > this.limits.items) {
      this.truncated = true;
      out['…'] = `${keys.length - this.limits.items} more keys`;
    }
    return out;
  }
}

/** Turns any decoded value into bounded JSON; never throws. */
export function toDisplayValue(value: unknown, limits: DisplayLimits = DISPLAY_LIMITS): DisplayValue {
  try {
    const shrinker = new Shrinker(limits);
    const view = shrinker.view(value, 0);
    const json = JSON.stringify(view) ?? 'null';
    if (json.length <= limits.totalChars) return { value: view, truncated: shrinker.truncated };
    return { value: `${json.slice(0, limits.totalChars)}… (${json.length - limits.totalChars} more characters of JSON)`, truncated: true };
  } catch (err) {
    return { value: `[value not displayable: ${err instanceof Error ? err.message : String(err)}]`, truncated: true };
  }
}
