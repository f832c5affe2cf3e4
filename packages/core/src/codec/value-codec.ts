import { Packr } from 'msgpackr';
import { PayloadTooLargeError } from '../errors';

// structuredClone + records keeps Date, Map, Set, Error, Buffer and BigInt intact across processes;
// records are written inline, so any process can decode any message.
const packr = new Packr({ useRecords: true, structuredClone: true, moreTypes: true, useBigIntExtension: true });

/** Encodes a result or channel value, enforcing the configured size limit. */
export function encodeValue(value: unknown, what: string, maxBytes: number): Buffer {
  const bytes = packr.pack(value);
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(what, bytes.length, maxBytes);
  return bytes;
}

export function decodeValue(bytes: Buffer | Uint8Array): unknown {
  return packr.unpack(bytes);
}
