import { UnsupportedValueError } from '../errors';

/*
 * What a value may hold to travel between processes: the one rule set of both backends.
 *
 * Kept exactly (msgpackr with structured clone): undefined, null, booleans, numbers (NaN,
 * Infinity and -0 included), strings, BigInt of any size, plain objects (a null prototype comes
 * back as Object's), dense arrays, Date (invalid ones too), Map, Set, RegExp (source and flags),
 * Buffer, every typed array, ArrayBuffer, DataView, and cycles and shared references.
 *
 * Refused with `UnsupportedValueError`, because they would come back changed or not at all:
 * functions, symbols (as values or keys), class instances (any other prototype, subclasses of
 * the types above included), Errors (their stack and own fields do not survive: send
 * `{ name, message }`), array holes, strings with an unpaired UTF-16 surrogate, an own
 * `__proto__` key, and nesting deeper than `MAX_DEPTH`.
 *
 * Not checked (too costly to look for on every value): non-enumerable properties and extra
 * named properties on arrays are dropped, and getters are read once.
 */

/** Deeper values overflow msgpackr's recursive encoder on a default Node stack. */
export const MAX_DEPTH = 500;

/** What a successful scan learned, so callers can skip work. */
export interface ValueScan {
  /**
   * An upper bound of the encoded size in bytes: when it is within a limit, the encoding is too,
   * so an in-process write need not encode to enforce `maxPayloadBytes`.
   */
  maxBytes: number;
  /** The value holds a -0 somewhere (it needs the slower encoding path that keeps it). */
  negativeZero: boolean;
}

type Kind = 'plain' | 'array' | 'map' | 'set' | 'date' | 'regexp' | 'bytes';

/** Prototypes of the types the codec keeps, by what a scan does with them. */
const KNOWN = new Map<object, Kind>([
  [Object.prototype, 'plain'],
  [Array.prototype, 'array'],
  [Map.prototype, 'map'],
  [Set.prototype, 'set'],
  [Date.prototype, 'date'],
  [RegExp.prototype, 'regexp'],
  [ArrayBuffer.prototype, 'bytes'],
  [DataView.prototype, 'bytes'],
  [Buffer.prototype, 'bytes'],
]);

/**
 * msgpackr recognises typed arrays as instances of the %TypedArray% behind `Uint8Array` and rebuilds
 * them by constructor name, so that is the test here too. It matters where realms mix (jest gives a
 * test file its own Float64Array but Node's Uint8Array): a typed array msgpackr would not recognise
 * is refused instead of being silently encoded as a plain object.
 */
const TypedArray = Object.getPrototypeOf(Uint8Array.prototype).constructor as abstract new () => ArrayBufferView;
const TYPED_ARRAYS = new Set([
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
]);

function kindOf(value: object, proto: object | null): Kind | undefined {
  if (proto === null) return 'plain';
  const known = KNOWN.get(proto);
  if (known !== undefined) return known;
  const isTypedArray = value instanceof TypedArray
    && Object.getPrototypeOf(proto) === TypedArray.prototype
    && TYPED_ARRAYS.has((proto as { constructor: { name: string } }).constructor.name);
  return isTypedArray ? 'bytes' : undefined;
}

// Generous per-item costs: a scan must never under-estimate what msgpackr writes (see the tests).
const SCALAR_BYTES = 9;
const HEADER_BYTES = 16;

/**
 * Checks `value` against the rules above, naming `subject` ("result of 'load'") and the path of the
 * first offending part in the error. Cost is linear in the size of the value; nothing is copied.
 */
export function scanValue(value: unknown, subject: string): ValueScan {
  const scanner = new Scanner(subject);
  const maxBytes = scanner.visit(value, 0);
  return { maxBytes, negativeZero: scanner.negativeZero };
}

class Scanner {
  negativeZero = false;
  private readonly seen = new Set<object>();
  /** Object keys, array indexes and Map/Set steps, rendered only when something is refused. */
  private readonly path: PathSegment[] = [];

  constructor(private readonly subject: string) {}

  visit(value: unknown, depth: number): number {
    switch (typeof value) {
      case 'number':
        if (value === 0 && 1 / value < 0) this.negativeZero = true;
        return SCALAR_BYTES;
      case 'string':
        if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
          throw this.refuse('a string with an unpaired UTF-16 surrogate', 'it cannot be encoded as UTF-8 unchanged');
        }
        return 5 + 3 * value.length;
      case 'boolean':
      case 'undefined':
        return 3;
      case 'bigint':
        return HEADER_BYTES + Math.ceil(value.toString(16).length / 2);
      case 'function':
        throw this.refuse(`a function (${value.name || 'anonymous'})`, 'functions are code, not data');
      case 'symbol':
        throw this.refuse(`a symbol (${value.toString()})`, 'symbols do not survive serialization');
      default:
        return value === null ? 1 : this.visitObject(value as object, depth);
    }
  }

  private visitObject(value: object, depth: number): number {
    // A second visit is a reference to the first (structured clone keeps cycles and sharing).
    if (this.seen.has(value)) return 6;
    if (depth >= MAX_DEPTH) throw this.refuse(`nested deeper than ${MAX_DEPTH} levels`, 'flatten it');
    const proto = Object.getPrototypeOf(value) as object | null;
    const kind = kindOf(value, proto);
    if (kind === undefined) throw this.refuseObject(value);
    this.seen.add(value);
    switch (kind) {
      case 'plain':
        return this.visitPlain(value as Record<string, unknown>, depth);
      case 'array':
        return this.visitArray(value as unknown[], depth);
      case 'map': {
        let bytes = HEADER_BYTES;
        let i = 0;
        for (const [k, v] of value as Map<unknown, unknown>) {
          bytes += this.child({ step: 'key', index: i, key: k }, k, depth) + this.child({ step: 'get', index: i, key: k }, v, depth);
          i++;
        }
        return bytes;
      }
      case 'set': {
        let bytes = HEADER_BYTES;
        let i = 0;
        for (const member of value as Set<unknown>) bytes += this.child({ step: 'member', index: i++ }, member, depth);
        return bytes;
      }
      case 'date':
        return HEADER_BYTES;
      case 'regexp': {
        const { source, flags } = value as RegExp;
        return HEADER_BYTES + 10 + 3 * (source.length + flags.length);
      }
      case 'bytes':
        return HEADER_BYTES + (value as ArrayBufferLike | ArrayBufferView).byteLength;
    }
  }

  private visitPlain(record: Record<string, unknown>, depth: number): number {
    if (Object.getOwnPropertySymbols(record).length > 0) {
      throw this.refuse('an object with symbol-keyed properties', 'symbol keys do not survive serialization');
    }
    let bytes = HEADER_BYTES;
    for (const key of Object.keys(record)) {
      if (key === '__proto__') throw this.refuse('an object with an own "__proto__" key', 'it cannot be restored as an ordinary key');
      this.path.push(key);
      bytes += 5 + 3 * key.length + this.visit(record[key], depth + 1);
      this.path.pop();
    }
    return bytes;
  }

  private visitArray(array: unknown[], depth: number): number {
    let bytes = HEADER_BYTES;
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      this.path.push(i);
      if (item === undefined && !(i in array)) throw this.refuse('a hole in a sparse array', 'fill it (undefined is kept)');
      bytes += this.visit(item, depth + 1);
      this.path.pop();
    }
    return bytes;
  }

  /** Visits an entry of a Map or Set. */
  private child(step: CollectionStep, value: unknown, depth: number): number {
    this.path.push(step);
    const bytes = this.visit(value, depth + 1);
    this.path.pop();
    return bytes;
  }

  private refuseObject(value: object): UnsupportedValueError {
    if (value instanceof Error) return this.refuse(`an Error (${value.name})`, 'its stack and own fields would not survive: send { name, message } instead');
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    const found = typeof name === 'string' && name !== '' ? `an instance of class ${name}` : 'an object with a custom prototype';
    return this.refuse(found, 'only plain objects keep their shape: convert it (e.g. { ...value }) or send its fields');
  }

  private refuse(found: string, hint: string): UnsupportedValueError {
    return new UnsupportedValueError(this.subject, renderPath(this.path), found, hint);
  }
}

function keyText(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}...` : key);
  if (typeof key === 'number' || typeof key === 'boolean' || key === null || key === undefined) return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return `<key #${index}>`;
}

type CollectionStep = { step: 'key' | 'get' | 'member'; index: number; key?: unknown };
type PathSegment = string | number | CollectionStep;

/** `$.items[3].fn`, `$["odd key"]`, `$.lookup.get("k")`. */
function renderPath(path: PathSegment[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'object') out += p.step === 'get' ? `.get(${keyText(p.key, p.index)})` : p.step === 'key' ? `.keys()[${p.index}]` : `.values()[${p.index}]`;
    else out += /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  }
  return out;
}
