/** Limits a run carries into every job, so workers apply the producer's settings. */
export interface RunLimits {
  /** TTL of the run's keys, in seconds. */
  ttlSeconds: number;
  /** Largest encoded result, branch value or channel write. */
  maxPayloadBytes: number;
}
