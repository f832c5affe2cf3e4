import type { addExtension as AddExtension } from 'msgpackr';

/**
 * msgpackr writes -0 as the integer 0 (it tests `value >>> 0 === value`), so the sign is lost. A
 * value that holds -0 is encoded from a copy where each -0 is one of these markers, which write
 * themselves as a float64 -0: a plain msgpack number that every decoder (msgpackr, Lua's cmsgpack
 * in the channel's `incr`) reads back as -0. No extension type ever reaches the bytes.
 */
class NegativeZero {}

/** Teaches msgpackr the marker; value-codec calls it as it loads msgpackr (lazily, on first use). */
export function registerNegativeZero(addExtension: typeof AddExtension): void {
  addExtension({
    Class: NegativeZero,
    // Required by msgpackr for a `pack` extension; never written (pack writes a float64 itself).
    type: 0x7a,
    pack(_value: NegativeZero, allocate: (size: number) => { target: Uint8Array; targetView: DataView; position: number }) {
      const { target, targetView, position } = allocate(9);
      target[position] = 0xcb;
      targetView.setFloat64(position + 1, -0);
      return undefined;
    },
    unpack: () => -0,
  } as unknown as Parameters<typeof AddExtension>[0]);
}

/**
 * A copy of `value` with every -0 replaced by a marker, keeping cycles and shared references (the
 * copy has the same shape of sharing). Only containers are copied; leaves are reused. Called only
 * for values whose scan found a -0, so ordinary encoding pays nothing for it.
 */
export function markNegativeZeros(value: unknown, copies = new Map<object, unknown>()): unknown {
  if (typeof value === 'number') return value === 0 && 1 / value < 0 ? new NegativeZero() : value;
  if (typeof value !== 'object' || value === null) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const item of value) out.push(markNegativeZeros(item, copies));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    copies.set(value, out);
    for (const [k, v] of value) out.set(markNegativeZeros(k, copies), markNegativeZeros(v, copies));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    copies.set(value, out);
    for (const member of value) out.add(markNegativeZeros(member, copies));
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const key of Object.keys(value)) out[key] = markNegativeZeros((value as Record<string, unknown>)[key], copies);
  return out;
}
