import {
  BlobTooLargeError,
  GraphIntegrityError,
  GraphNotFoundError,
  isGraphIntegrityError,
  isGraphNotFoundError,
  isStoreError,
  StoreError,
  StoreRedisError,
} from '../src';

describe('store errors', () => {
  it('set name to the class name and carry a code', () => {
    const err = new GraphNotFoundError('ab'.repeat(32), 'p:graph:x');
    expect(err.name).toBe('GraphNotFoundError');
    expect(err.code).toBe('GRAPH_NOT_FOUND');
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toBeInstanceOf(Error);
    expect(new BlobTooLargeError(10, 5).name).toBe('BlobTooLargeError');
  });

  it('carry the brand core uses to recognise them across package copies', () => {
    const err = new GraphIntegrityError('h', 'k', 'bad');
    expect((err as unknown as Record<symbol, unknown>)[Symbol.for('graflow.error')]).toBe(true);
    // An error from another copy of this package: same brand and code, different class identity.
    const foreign = Object.assign(new Error('copy'), { code: 'GRAPH_INTEGRITY', [Symbol.for('graflow.error')]: true });
    expect(isStoreError(foreign)).toBe(true);
    expect(isGraphIntegrityError(foreign)).toBe(true);
    expect(isGraphNotFoundError(foreign)).toBe(false);
    expect(isStoreError(new Error('plain'))).toBe(false);
    expect(isStoreError({ code: 'GRAPH_INTEGRITY' })).toBe(false);
  });

  it('keep the underlying error as a typed cause', () => {
    const cause = new Error('Connection is closed.');
    const err = new StoreRedisError('GETEX', 'p:graph:h', cause);
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('Redis GETEX on key "p:graph:h" failed: Connection is closed.');
  });

  it('name the limit and the size when a blob is too large', () => {
    expect(new BlobTooLargeError(2048, 1024).message).toMatch(/2048 bytes.*maxBlobBytes limit of 1024 bytes/);
  });
});
