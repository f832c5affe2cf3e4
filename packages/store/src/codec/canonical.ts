import { Packr, Unpackr } from 'msgpackr';
import { UnsupportedValueError } from '../errors';

/*
 * Canonical msgpack: the same value gives the same bytes in every process, whatever order its
 * object keys were inserted in. That is what makes a graph's sha256 usable as its id.
 *
 * - Plain objects become msgpack maps whose keys are sorted (JS default sort, UTF-16 code units).
 *   We hand msgpackr a `Map` in sorted order because a JS object would put integer-like keys
 *   ("2", "10") first whatever we do. `undefined` properties are dropped, as JSON does.
 * - Numbers: integers in the 32-bit range use the smallest msgpack int; every other number is a
 *   float64 (exact for safe integers; we do not turn big integers into int64 because they would
 *   then load as BigInt). -0 is stored as 0. No float32, no records/structures extension.
 * - Also exact: null, booleans, strings, arrays (holes and undefined become null), BigInt in the
 *   int64/uint64 range (int64, loads as BigInt), valid Dates (timestamp extension), and
 *   Uint8Array/Buffer (bin, loads as Buffer).
 * - Anything that would not come back as it went in (Map, Set, class instances, functions,
 *   symbols, cycles, a `__proto__` key) is refused with `UnsupportedValueError` naming its path.
 */

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' });

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Canonical msgpack bytes of `value`. The result is a view into msgpackr's shared output buffer
 * (later calls never overwrite it), so copy it (`.slice()`) before keeping it long-term, or it pins
 * that whole buffer in memory.
 */
export function encodeCanonical(value: unknown): Uint8Array {
  if (value === undefined) throw new UnsupportedValueError('$', 'undefined has no stored form');
  const bytes = packr.pack(canonicalize(value, [], new Set()));
  // msgpackr grows its shared buffer to four times the largest value and keeps it (up to 1 GiB):
  // after a large graph, start again small so the process does not hold that for good.
  if (bytes.length > LARGE_RESULT_BYTES) packr.useBuffer(Buffer.allocUnsafeSlow(8192));
  return bytes;
}

const LARGE_RESULT_BYTES = 64 * 1024;

/**
 * Decodes canonical bytes. Throws msgpackr's error on malformed input; callers map it. Byte
 * strings load as Buffers whatever holds the input (msgpackr would return plain Uint8Array views
 * of a plain Uint8Array, such as fflate's output), so a value loads the same way everywhere.
 */
export function decodeCanonical(bytes: Uint8Array): unknown {
  return unpackr.unpack(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function canonicalize(value: unknown, path: (string | number)[], seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Object.is(value, -0) ? 0 : value;
    case 'bigint':
      if (value < INT64_MIN || value > UINT64_MAX) throw unsupported(path, 'BigInt outside the 64-bit integer range');
      return value;
    case 'undefined':
      return null; // only reachable for array elements; object properties are skipped earlier
    case 'object':
      if (value === null) return null;
      return canonicalizeObject(value, path, seen);
    default:
      throw unsupported(path, `a ${typeof value} is not data`);
  }
}

function canonicalizeObject(value: object, path: (string | number)[], seen: Set<object>): unknown {
  if (value instanceof Uint8Array) return value;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw unsupported(path, 'invalid Date');
    return value;
  }
  if (seen.has(value)) throw unsupported(path, 'circular reference');
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        out[i] = canonicalize(value[i], path, seen);
        path.pop();
      }
      return out;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw unsupported(path, `${kind} is not a plain object, array, Date, Uint8Array or BigInt (convert it first, e.g. a Map to an object)`);
    }
    const record = value as Record<string, unknown>;
    const out = new Map<string, unknown>();
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item === undefined) continue;
      if (key === '__proto__') throw unsupported(path, 'the key "__proto__" does not survive decoding');
      path.push(key);
      out.set(key, canonicalize(item, path, seen));
      path.pop();
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function unsupported(path: (string | number)[], detail: string): UnsupportedValueError {
  const rendered = path
    .map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`))
    .join('');
  return new UnsupportedValueError(`$${rendered}`, detail);
}
