import { Zlib } from 'fflate';

/** A generator of numbers in [0, 1). */
export type Random = () => number;

/** A small seeded PRNG (mulberry32): the same seed replays the same fuzz cases, plans and chaos. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MiB = 1024 * 1024;

/** zlib of `size` zero bytes, compressed a MiB at a time so the caller never holds the inflated form. */
export function zlibBomb(size: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const zlib = new Zlib({ level: 9 }, (chunk) => parts.push(chunk));
  const zeros = new Uint8Array(MiB);
  for (let done = 0; done < size; done += MiB) zlib.push(zeros, done + MiB >= size);
  return Buffer.concat(parts);
}
