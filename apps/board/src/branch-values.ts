/**
 * Reads what a branch produced, for the board to show next to its job. A lone-task branch's value
 * is its result in the run's results hash; a chain branch's value is its outcome in the group's
 * barrier, which is also where a lone task's own value is checked against its result (a loop that
 * revisits the group overwrites the result). Only the fields a job needs are read (never the
 * whole group), their sizes are checked before they are fetched, and nothing here throws: a
 * problem becomes a line of text in the view.
 */
import { decodeValue, RunKeys, type BranchJobData } from '@graflow/core/redis';
import type { Redis } from 'ioredis';
import { toDisplayValue, type DisplayLimits } from './display-value';

/** Where a shown value was read from. */
export type ValueSource = 'run results' | 'barrier outcome';

export type BranchValueView =
  | { found: true; ok: boolean; source: ValueSource; value: unknown; bytes: number; note?: string }
  | { found: false; note: string };

/** Barrier outcomes are `<status>:<msgpack>`, status `ok`, `fail`, `lateok` or `latefail` (barrier-record.lua). */
const OUTCOME_STATUS = /^(late)?(ok|fail):/;

function parseOutcome(raw: Buffer): { ok: boolean; late: boolean; payload: Buffer } | undefined {
  const head = OUTCOME_STATUS.exec(raw.subarray(0, 9).toString('latin1'));
  return head ? { ok: head[2] === 'ok', late: head[1] !== undefined, payload: raw.subarray(head[0].length) } : undefined;
}

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
    const fits = (n: number) => n > 0 && n <= this.maxValueBytes;
    const [result, rawOutcome] = await Promise.all([
      fits(resultBytes) ? this.redis.hgetBuffer(keys.results, data.nodeId) : null,
      fits(outcomeBytes) ? this.redis.hgetBuffer(outcomes, field) : null,
    ]);
    const outcome = rawOutcome ? parseOutcome(rawOutcome) : undefined;
    if (resultBytes > 0) {
      if (!result) return this.tooLarge('run results', resultBytes);
      // A group revisited in a loop overwrites the node's result; then the outcome is this job's own value.
      if (!outcome || (outcome.ok && outcome.payload.equals(result))) return this.decoded('run results', true, result);
    }
    if (outcomeBytes > 0) {
      if (!rawOutcome) return this.tooLarge('barrier outcome', outcomeBytes);
      if (!outcome) return { found: false, note: 'the barrier outcome has an unknown format' };
      const view = this.decoded('barrier outcome', outcome.ok, outcome.payload);
      const notes = [
        view.note,
        outcome.late ? 'recorded after the group was decided (late)' : undefined,
        resultBytes > 0 ? `the run's result for ${data.nodeId} has changed since (a later visit of the group)` : undefined,
      ].filter(Boolean);
      return notes.length > 0 ? { ...view, note: notes.join('; ') } : view;
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
