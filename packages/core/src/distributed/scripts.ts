import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

// src/distributed and dist/distributed sit at the same depth, so this resolves in both.
const LUA_DIR = join(__dirname, '..', '..', 'lua');

function lua(name: string): string {
  return readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8');
}

/** Every Lua script of ours (each file's header documents its KEYS, ARGV and returns). */
const SCRIPTS = {
  graflowBarrierInit: { numberOfKeys: 1, lua: lua('barrier-init') },
  graflowBarrierRecord: { numberOfKeys: 4, lua: lua('barrier-record') },
  graflowBarrierDecide: { numberOfKeys: 2, lua: lua('barrier-decide') },
  graflowBarrierLookup: { numberOfKeys: 2, lua: lua('barrier-lookup') },
  graflowChannelIncr: { numberOfKeys: 2, lua: lua('channel-incr') },
};

/** A client with our scripts as typed commands. Wrappers compute the key order; callers don't. */
export type ScriptClient = Redis & {
  graflowBarrierInit(meta: string, ...argv: Array<string | number>): Promise<number>;
  graflowBarrierRecord(meta: string, outcomes: string, wake: string, results: string, ...argv: Array<string | number | Buffer>): Promise<[number, number, number, number, string]>;
  graflowBarrierDecide(meta: string, wake: string, ...argv: Array<string | number>): Promise<number>;
  graflowBarrierLookup(meta: string, outcomes: string, index: number): Promise<[number, ...Array<string | number>]>;
  graflowChannelIncr(value: string, index: string, by: number, name: string, ttlMs: string | number, runTtlSeconds: number): Promise<number>;
};

export function scripted(redis: Redis): ScriptClient {
  const client = redis as ScriptClient;
  for (const [name, def] of Object.entries(SCRIPTS)) {
    if (typeof (client as unknown as Record<string, unknown>)[name] !== 'function') client.defineCommand(name, def);
  }
  return client;
}
