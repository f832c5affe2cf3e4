import { LRUCache } from 'lru-cache';
import { decodeCanonical } from '../codec/canonical';
import { deepFreeze } from './deep-freeze';

/**
 * One cached graph. A graph this process saved is kept as its canonical bytes and decoded on its
 * first load here; a graph it loaded is kept decoded. `size` is the canonical length either way,
 * which is what the byte bound counts.
 */
export interface CacheEntry {
  value: unknown;
  bytes: Uint8Array | undefined;
  readonly size: number;
  /** When the blob was last known to exist in Redis with a fresh TTL (ms since epoch). */
  checkedAt: number;
}

/** An LRU of graphs bounded by count and by canonical bytes; `maxEntries` 0 disables it. */
export class GraphCache {
  private readonly lru: LRUCache<string, CacheEntry> | undefined;

  constructor(maxEntries: number, maxBytes: number) {
    if (maxEntries > 0) {
      this.lru = new LRUCache<string, CacheEntry>({
        max: maxEntries,
        maxSize: maxBytes,
        sizeCalculation: (entry) => entry.size,
      });
    }
  }

  /** The entry for `hash`, marking it most recently used. */
  get(hash: string): CacheEntry | undefined {
    return this.lru?.get(hash);
  }

  /** Records a blob this process just saved or confirmed in Redis. */
  rememberSaved(hash: string, encoded: Uint8Array, now: number): void {
    if (!this.lru) return;
    const entry = this.lru.get(hash);
    if (entry) {
      entry.checkedAt = now;
      return;
    }
    // Copy: `encoded` is a view into msgpackr's shared buffer and would pin all of it.
    this.lru.set(hash, { value: undefined, bytes: encoded.slice(), size: encoded.length, checkedAt: now });
  }

  /** Records a graph just loaded (already decoded and frozen). */
  rememberLoaded(hash: string, value: unknown, size: number, now: number): void {
    this.lru?.set(hash, { value, bytes: undefined, size, checkedAt: now });
  }

  /** The decoded, frozen graph of an entry, decoding saved bytes on first use. */
  valueOf(entry: CacheEntry): unknown {
    if (entry.bytes) {
      entry.value = deepFreeze(decodeCanonical(entry.bytes));
      entry.bytes = undefined;
    }
    return entry.value;
  }

  get entries(): number {
    return this.lru?.size ?? 0;
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }
}
