import { RUN_OPTION_DEFAULTS } from '../../options/run-defaults';
import type { RunLimits } from '../run-limits';

/**
 * The limits a process that did not start a run applies to it: the run's own TTL (stored when it
 * was claimed) and the default payload limit, which only bounds what this process writes (an
 * error summary, at most).
 */
export function runLimitsOf(ttl: string | null): RunLimits {
  const seconds = Number(ttl);
  return {
    ttlSeconds: Number.isInteger(seconds) && seconds > 0 ? seconds : RUN_OPTION_DEFAULTS.runTtlSeconds,
    maxPayloadBytes: RUN_OPTION_DEFAULTS.maxPayloadBytes,
  };
}
