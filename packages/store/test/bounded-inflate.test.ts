import { randomBytes } from 'node:crypto';
import { GraphStore, hashOf, isGraphIntegrityError, type StoreError } from '../src';
import { zlibBomb } from '@graflow/testing';
import { newStore, testRedis } from './helpers';

const { client } = testRedis();
const MiB = 1024 * 1024;


async function loadError(store: GraphStore, hash: string): Promise<StoreError> {
  const err = await store.load(hash).then(() => undefined, (e: unknown) => e);
  expect(isGraphIntegrityError(err)).toBe(true);
  return err as StoreError;
}

// A blob is inflated only up to maxBlobBytes: a small blob that inflates to 256 MiB (a zlib bomb)
// fails with a named error after a few MiB of work, instead of taking the process' memory.
describe('bounded decompression', () => {
  test('a 256 MiB zlib bomb under a real-looking hash fails its integrity check without being inflated', async () => {
    const redis = client();
    const store = newStore(redis);
    const bomb = zlibBomb(256 * MiB);
    expect(bomb.length).toBeLessThan(MiB);
    const hash = hashOf({ looks: 'real' });
    await redis.set(store.keyOf(hash), Buffer.from(bomb));
    const before = process.memoryUsage().arrayBuffers;
    const err = await loadError(store, hash);
    // Without a GC in between, this counts every buffer the attempt allocated; inflating it all
    // would have taken at least 256 MiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(96 * MiB);
    expect(err.message).toBe(
      `Graph ${hash} at key "${store.keyOf(hash)}" failed its integrity check: its ${bomb.length} stored bytes inflate to more than ` +
        `maxBlobBytes=${16 * MiB} bytes, so decompression was stopped (a zlib bomb, or a blob saved by a store with a larger maxBlobBytes)`,
    );
  });

  test('a blob saved under a larger maxBlobBytes is refused by a store with a smaller one, naming the limit', async () => {
    const redis = client();
    const big = { text: randomBytes(48 * 1024).toString('base64') };
    const producer = newStore(redis, { maxBlobBytes: MiB });
    const hash = await producer.save(big);
    const worker = new GraphStore({ redis, keyPrefix: producer.options.keyPrefix, maxBlobBytes: 32 * 1024 });
    expect((await loadError(worker, hash)).message).toContain('inflate to more than maxBlobBytes=32768 bytes');
  });

  test('a blob whose compressed form spans many inflate slices loads intact, up to exactly the limit', async () => {
    const redis = client();
    // Random text barely compresses, so the stored form is much larger than one slice (about 4 KiB).
    const value = { text: randomBytes(96 * 1024).toString('base64'), list: Array.from({ length: 500 }, (_, i) => ({ i })) };
    const producer = newStore(redis);
    const hash = await producer.save(value);
    expect((await redis.strlen(producer.keyOf(hash)))).toBeGreaterThan(64 * 1024);
    const exact = producer.stats().bytesIn;
    const worker = new GraphStore({ redis, keyPrefix: producer.options.keyPrefix, maxBlobBytes: exact });
    expect(await worker.load(hash)).toEqual(value);
    const tight = new GraphStore({ redis, keyPrefix: producer.options.keyPrefix, maxBlobBytes: exact - 1 });
    expect((await loadError(tight, hash)).message).toContain(`maxBlobBytes=${exact - 1}`);
  });
});
