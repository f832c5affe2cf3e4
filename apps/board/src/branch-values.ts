/**
 * Reads what a branch produced, for the board to show next to its job. A lone-task branch's value
 * is its result in the run's results hash; a chain branch's value is its outcome in the group's
 * barrier. Only the one field a job needs is read (never the whole group), its size is checked
 * before it is fetched, and nothing here throws: a problem becomes a line of text in the view.
 */
import { decodeValue, RunKeys, type BranchJobData } from '@graflow/core';
import type { Redis } from 'ioredis';
import { toDisplayValue, type DisplayLimits } from './display-value';

/** Where a shown value was read from. */
export type ValueSource = 'run results' | 'barrier outcome';

export type BranchValueView =
  | { found: true; ok: boolean; source: ValueSource; value: unknown; bytes: number; note?: string }
  | { found: false; note: string };

/** Barrier outcomes are `<status>:<msgpack>`, status `ok`, `fail`, `lateok` or `latefail` (barrier-record.lua). */
const OUTCOME_STATUS = /^(late)?(ok|fail):/;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export class BranchValueReader {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxValueBytes: number,
    private readonly limits?: DisplayLimits,
  ) {}

  async read(data: BranchJobData): Promise<BranchValueView> {
    try {
      return await this.readOrThrow(data);
    } catch (err) {
      return { found: false, note: `could not read the value: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private async readOrThrow(data: BranchJobData): Promise<BranchValueView> {
    const keys = new RunKeys(this.prefix, data.runId);
    const outcomes = keys.barrier(data.groupKey).outcomes;
    const field = String(data.branchIndex);
    // Sizes first (O(1)), so a huge value is described without moving it over the network.
    const [resultBytes, outcomeBytes] = await Promise.all([this.redis.hstrlen(keys.results, data.nodeId), this.redis.hstrlen(outcomes, field)]);
    if (resultBytes > 0) {
      if (resultBytes > this.maxValueBytes) return this.tooLarge('run results', resultBytes);
      const bytes = await this.redis.hgetBuffer(keys.results, data.nodeId);
      if (bytes) return this.decoded('run results', true, bytes);
    }
    if (outcomeBytes > 0) {
      if (outcomeBytes > this.maxValueBytes) return this.tooLarge('barrier outcome', outcomeBytes);
      const raw = await this.redis.hgetBuffer(outcomes, field);
      if (raw) {
        const head = OUTCOME_STATUS.exec(raw.subarray(0, 9).toString('latin1'));
        if (!head) return { found: false, note: 'the barrier outcome has an unknown format' };
        const view = this.decoded('barrier outcome', head[2] === 'ok', raw.subarray(head[0].length));
        if (view.found && head[1]) view.note = [view.note, 'recorded after the group was decided (late)'].filter(Boolean).join('; ');
        return view;
      }
    }
    return {
      found: false,
      note: `no value in Redis: not recorded yet, or expired with the run (TTL ${data.ttl} s), or written under another key prefix`,
    };
  }

  private tooLarge(source: ValueSource, bytes: number): BranchValueView {
    return { found: false, note: `the ${source} value is ${formatBytes(bytes)}, over the board's ${formatBytes(this.maxValueBytes)} display limit` };
  }

  private decoded(source: ValueSource, ok: boolean, bytes: Buffer): BranchValueView & { found: true } {
    let decoded: unknown;
    try {
      decoded = decodeValue(bytes);
    } catch (err) {
      return { found: true, ok, source, value: null, bytes: bytes.length, note: `not decodable: ${err instanceof Error ? err.message : String(err)}` };
    }
    const { value, truncated } = toDisplayValue(decoded, this.limits);
    return { found: true, ok, source, value, bytes: bytes.length, ...(truncated ? { note: `truncated for display (${formatBytes(bytes.length)} stored)` } : {}) };
  }
}
