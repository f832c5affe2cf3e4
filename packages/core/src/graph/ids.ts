import { createHash } from 'node:crypto';

/** Deterministic text for any msgpack-serializable value (sorted keys), used only to derive ids. */
export function stableText(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (value instanceof Uint8Array) return `Bytes(${Buffer.from(value).toString('hex')})`;
  if (Array.isArray(value)) return `[${value.map(stableText).join(',')}]`;
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => `${stableText(k)}=>${stableText(v)}`).sort();
    return `Map{${entries.join(',')}}`;
  }
  if (value instanceof Set) return `Set{${[...value].map(stableText).sort().join(',')}}`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableText(obj[k])}`).join(',')}}`;
}

export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Id of a bound task instance: the task id plus a hash of its params. 64 bits, because a group
 * fans one task out over many params: with 32 bits, 100,000 instances collide more often than not.
 */
export function instanceId(taskId: string, params: unknown): string {
  return `${taskId}#${shortHash(stableText(params), 16)}`;
}

export function chainId(memberIds: string[]): string {
  return `chain#${shortHash(memberIds.join('\u0000'))}`;
}

export function groupId(memberIds: string[]): string {
  return `parallel#${shortHash(memberIds.join('\u0000'))}`;
}
