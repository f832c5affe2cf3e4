import type { connectClient as ConnectClient } from '../distributed/producer/connect';

let connect: typeof ConnectClient | undefined;

/**
 * The Redis backend's entry point, loaded on first use: an in-process run never loads bullmq or
 * ioredis, so importing `@graflow/core` stays fast. (A synchronous require keeps this working in
 * CommonJS, in jest, and under the ESM wrapper, which re-exports the CommonJS build.)
 */
export function loadRedisBackend(): { connectClient: typeof ConnectClient } {
  connect ??= (require('../distributed/producer/connect') as { connectClient: typeof ConnectClient }).connectClient;
  return { connectClient: connect };
}
