import { Unzlib, zlibSync } from 'fflate';
import { GraphIntegrityError, StoreError } from '../errors';
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
 * Decompresses (never past `maxBytes`), checks the content against `hash`, then decodes. Any
 * failure (bad zlib, too large, wrong hash, bad msgpack) is a `GraphIntegrityError`: the bytes are
 * not what was saved under that id. The hash is checked before decoding, so the decoder only ever
 * sees bytes we once encoded.
 */
export function openBlob(stored: Uint8Array, hash: string, key: string, maxBytes: number): OpenedBlob {
  let encoded: Uint8Array;
  try {
    encoded = inflateAtMost(stored, maxBytes);
  } catch (err) {
    if (err instanceof InflatedTooFarError) {
      throw new GraphIntegrityError(
        hash,
        key,
        `its ${stored.length} stored bytes inflate to more than maxBlobBytes=${maxBytes} bytes, so decompression was stopped ` +
          '(a zlib bomb, or a blob saved by a store with a larger maxBlobBytes)',
      );
    }
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

/** Thrown from inside the inflater to stop it; caught below and reported as a `GraphIntegrityError`. */
class InflatedTooFarError extends StoreError {
  static override readonly errorName: string = 'InflatedTooFarError';

  constructor(maxBytes: number) {
    super('GRAPH_INTEGRITY', `inflates past ${maxBytes} bytes`);
  }
}

/**
 * Deflate's best ratio is about 1032:1, so input slices of this many bytes inflate to at most
 * about a quarter of the limit: the output never grows much past `maxBytes` before we stop.
 */
function sliceFor(maxBytes: number): number {
  return Math.max(1024, Math.floor(maxBytes / 1032 / 4));
}

/**
 * zlib inflate that stops as soon as the output passes `maxBytes`: a small blob that inflates to
 * gigabytes (a zlib bomb) costs at most about `maxBytes` of memory, not its full size.
 */
function inflateAtMost(stored: Uint8Array, maxBytes: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Unzlib((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new InflatedTooFarError(maxBytes);
    chunks.push(chunk);
  });
  const step = sliceFor(maxBytes);
  for (let at = 0; at < stored.length || at === 0; at += step) {
    inflater.push(stored.subarray(at, at + step), at + step >= stored.length);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
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
