import type * as RedisBackend from '../distributed/producer/connect';

let backend: typeof RedisBackend | undefined;

/**
 * The Redis backend, loaded on first use: an in-process run never loads bullmq or ioredis, so
 * importing `@graflow/core` stays fast. (A synchronous require keeps this working in CommonJS,
 * in jest, and under the ESM wrapper, which re-exports the CommonJS build.)
 */
export function loadRedisBackend(): typeof RedisBackend {
  backend ??= require('../distributed/producer/connect') as typeof RedisBackend;
  return backend;
}
