import { unzlibSync, zlibSync } from 'fflate';
import { GraphIntegrityError } from '../errors';
import { decodeCanonical } from './canonical';
import { sha256Hex } from './hash';

type ZlibLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** zlib-compresses canonical bytes for storage. */
export function compressBlob(encoded: Uint8Array, level: number): Uint8Array {
  return zlibSync(encoded, { level: level as ZlibLevel });
}

/** What a verified blob holds: the decoded value and the size of its canonical bytes. */
export interface OpenedBlob {
  readonly value: unknown;
  readonly encodedBytes: number;
}

/**
 * Decompresses, checks the content against `hash`, then decodes. Any failure (bad zlib, wrong
 * hash, bad msgpack) is a `GraphIntegrityError`: the bytes are not what was saved under that id.
 * The hash is checked before decoding, so the decoder only ever sees bytes we once encoded.
 */
export function openBlob(stored: Uint8Array, hash: string, key: string): OpenedBlob {
  let encoded: Uint8Array;
  try {
    encoded = unzlibSync(stored);
  } catch (err) {
    throw new GraphIntegrityError(hash, key, `the ${stored.length} stored bytes are not valid zlib data (${(err as Error).message})`, err);
  }
  // fflate does not check the zlib trailer; we do, so a corrupt checksum is reported too.
  if (stored.length < 6 || adler32(encoded) !== readUint32BE(stored, stored.length - 4)) {
    throw new GraphIntegrityError(hash, key, 'the zlib checksum (adler32) does not match the decompressed bytes');
  }
  const actual = sha256Hex(encoded);
  if (actual !== hash) {
    throw new GraphIntegrityError(hash, key, `its content hashes to ${actual} (corrupted or tampered)`);
  }
  try {
    return { value: decodeCanonical(encoded), encodedBytes: encoded.length };
  } catch (err) {
    throw new GraphIntegrityError(hash, key, `msgpack decoding failed (${(err as Error).message})`, err);
  }
}

function readUint32BE(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** RFC 1950 adler32; sums are reduced every 5552 bytes, the most that cannot overflow. */
function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(i + 5552, bytes.length);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
