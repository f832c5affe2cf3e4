import { InvalidOptionError } from '../errors';
import { assertKnownKeys, integerOption, MAX_TIMER_MS } from './validate';

/** Options of `connect()`: how a process talks to Redis, for every run it makes. */
export interface ClientOptions {
  /** How long `connect()` waits for Redis before failing with `GraflowConnectionError`. @defaultValue 5000 */
  connectTimeoutMs?: number;
  /**
   * How long runs wait for Redis to come back during an outage before they fail with
   * `GraflowConnectionError`; shorter outages (a restart with AOF) are ridden through. @defaultValue 30000
   */
  redisUnavailableTimeoutMs?: number;
}

export interface ResolvedClientOptions {
  connectTimeoutMs: number;
  redisUnavailableTimeoutMs: number;
}

export const CLIENT_OPTION_DEFAULTS: Readonly<ResolvedClientOptions> = Object.freeze({
  connectTimeoutMs: 5_000,
  redisUnavailableTimeoutMs: 30_000,
});

const KNOWN = Object.keys(CLIENT_OPTION_DEFAULTS) as Array<keyof ClientOptions>;

/** Defaults and validation of `ClientOptions`, in one place. */
export function resolveClientOptions(options: ClientOptions = {}, where = 'options'): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError(where || 'options', options, 'an object');
  assertKnownKeys(options, KNOWN, where);
  const name = (key: string) => (where === '' ? key : `${where}.${key}`);
  return {
    // Both end up in timers, which cannot wait longer than MAX_TIMER_MS.
    connectTimeoutMs: integerOption(name('connectTimeoutMs'), options.connectTimeoutMs, CLIENT_OPTION_DEFAULTS.connectTimeoutMs, 1, MAX_TIMER_MS),
    redisUnavailableTimeoutMs: integerOption(name('redisUnavailableTimeoutMs'), options.redisUnavailableTimeoutMs, CLIENT_OPTION_DEFAULTS.redisUnavailableTimeoutMs, 1, MAX_TIMER_MS),
  };
}
