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
