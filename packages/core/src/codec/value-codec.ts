import type { Packr } from 'msgpackr';
import { PayloadTooLargeError } from '../errors';
import { markNegativeZeros, registerNegativeZero } from './negative-zero';
import { scanValue } from './value-rules';

// structuredClone + records keeps Date, Map, Set, BigInt, typed arrays, cycles and shared
// references intact across processes; records are written inline, so any process can decode any
// message. What may go in is decided by `scanValue` (value-rules.ts), the same on both backends.
let codec: Packr | undefined;

/** msgpackr, loaded on first use: `import '@graflow/core'` stays light for runs that store nothing. */
function packr(): Packr {
  if (!codec) {
    const msgpackr = require('msgpackr') as typeof import('msgpackr');
    registerNegativeZero(msgpackr.addExtension);
    codec = new msgpackr.Packr({ useRecords: true, structuredClone: true, moreTypes: true, useBigIntExtension: true });
  }
  return codec;
}

/** Past this size, a result does not stay in msgpackr's shared buffer (see `pack`). */
const LARGE_RESULT_BYTES = 64 * 1024;

/**
 * msgpackr writes into one shared buffer that it grows to four times the largest value it has
 * encoded and keeps (up to 1 GiB), so a worker that once wrote a 16 MiB value would hold 64 MiB
 * for good. After a large value the encoder gets a fresh small buffer; the large one lives only
 * as long as the caller keeps the returned bytes.
 */
function pack(value: unknown): Buffer {
  const bytes = packr().pack(value);
  if (bytes.length > LARGE_RESULT_BYTES) packr().useBuffer(Buffer.allocUnsafeSlow(8192));
  return bytes;
}

/**
 * Encodes a result or channel value for Redis. Refuses what the value rules refuse
 * (`UnsupportedValueError` naming `subject` and the path) and what is over `maxBytes`
 * (`PayloadTooLargeError` naming the limit).
 */
export function encodeValue(value: unknown, subject: string, maxBytes: number): Buffer {
  const scan = scanValue(value, subject);
  const bytes = pack(scan.negativeZero ? markNegativeZeros(value) : value);
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(subject, bytes.length, maxBytes);
  return bytes;
}

export function decodeValue(bytes: Buffer | Uint8Array): unknown {
  return packr().unpack(bytes);
}

/**
 * The in-process twin of `encodeValue`: accepts and refuses exactly the same values, with the same
 * errors, without encoding in the common case. The scan's size bound settles the limit unless the
 * value is within reach of it; only then is it encoded to measure it exactly.
 */
export function checkValue(value: unknown, subject: string, maxBytes: number): void {
  const scan = scanValue(value, subject);
  if (scan.maxBytes <= maxBytes) return;
  const size = pack(scan.negativeZero ? markNegativeZeros(value) : value).length;
  if (size > maxBytes) throw new PayloadTooLargeError(subject, size, maxBytes);
}
