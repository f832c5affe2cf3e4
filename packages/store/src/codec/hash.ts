import { createHash } from 'node:crypto';
import { encodeCanonical } from './canonical';

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** sha256 hex of raw bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The content id of a value: sha256 hex over its canonical bytes (what `save()` returns). */
export function hashOf(value: unknown): string {
  return sha256Hex(encodeCanonical(value));
}

/** True for a lowercase sha256 hex digest, the only form `save()` and `hashOf()` produce. */
export function isGraphHash(hash: unknown): hash is string {
  return typeof hash === 'string' && HASH_PATTERN.test(hash);
}
