/** The Redis key of a blob: `<keyPrefix>:graph:<sha256>`. Producers and workers must agree on it. */
export function graphKey(keyPrefix: string, hash: string): string {
  return `${keyPrefix}:graph:${hash}`;
}
