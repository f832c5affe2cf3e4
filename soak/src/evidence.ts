import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DEFAULT_QUEUE, RunKeys } from '@graflow/core/redis';
import { show } from './check';
import type { ProducerConfig, RunVerdict } from './checked-run';
import type { WorkerFleet } from './fleet';

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

/** Reads every key matching `pattern` with SCAN (never KEYS on a live server). */
async function scanKeys(redis: IORedis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

/** The run's group barriers and the state of each of its BullMQ jobs, as lines. */
async function redisState(redis: IORedis, queue: Queue, prefix: string, runId: string): Promise<string[]> {
  const lines: string[] = [];
  const keys = new RunKeys(prefix, runId);
  for (const meta of await scanKeys(redis, `${keys.base}:group:*:meta`)) {
    lines.push(`barrier ${meta.slice(keys.base.length + 1)}: ${show(await redis.hgetall(meta), 400)}`);
  }
  // Job hashes are `<prefix>:<queue>:<jobId>`; job ids of a run start with the run id.
  const jobKey = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}:${DEFAULT_QUEUE}:(${runId.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}-[^:]+)$`);
  // Per group instance: the group job's state, then its branch indexes by state.
  const groups = new Map<string, { group?: string; branches: Map<string, number[]> }>();
  for (const key of await scanKeys(redis, `${prefix}:${DEFAULT_QUEUE}:${runId}-*`)) {
    const id = jobKey.exec(key)?.[1];
    if (!id) continue;
    const [, groupKey, branch] = /^[^]*?-([0-9a-f]+)(?:-b(\d+))?$/.exec(id) ?? [];
    if (!groupKey) continue;
    const state = await queue.getJobState(id);
    const entry = groups.get(groupKey) ?? { branches: new Map<string, number[]>() };
    groups.set(groupKey, entry);
    if (branch === undefined) entry.group = state;
    else entry.branches.set(state, [...(entry.branches.get(state) ?? []), Number(branch)]);
  }
  for (const [groupKey, { group, branches }] of groups) {
    const parts = [...branches].map(([state, indexes]) => `${state} b${indexes.sort((a, b) => a - b).join(',')}`);
    lines.push(cut(`jobs of group ${groupKey}: group job ${group ?? 'missing'}; branches ${parts.join('; ')}`, 1_000));
  }
  return lines;
}

/**
 * How many of the soak's BullMQ jobs (branches and groups) BullMQ found stalled (their worker
 * died) and re-ran: evidence that the kills hit work in flight. Job ids start with `runIdPrefix`.
 */
export async function redeliveries(config: ProducerConfig, runIdPrefix: string): Promise<{ jobs: number; stalled: number }> {
  const redis = new IORedis({ host: config.host, port: config.port, lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  try {
    const base = `${config.keyPrefix}:${DEFAULT_QUEUE}:`;
    const jobKeys = (await scanKeys(redis, `${base}${runIdPrefix}*`)).filter((key) => !key.slice(base.length).includes(':'));
    let stalled = 0;
    for (let i = 0; i < jobKeys.length; i += 500) {
      const pipeline = redis.pipeline();
      for (const key of jobKeys.slice(i, i + 500)) pipeline.hget(key, 'stc');
      for (const [, value] of (await pipeline.exec()) ?? []) if (Number(value) > 0) stalled++;
    }
    return { jobs: jobKeys.length, stalled };
  } finally {
    redis.disconnect();
  }
}

/**
 * What the report says about each wrong or hung run: the run, what differed, the Redis state of a
 * hung run, and the worker log lines that mention it. Redis must still be up.
 */
export async function describeBadRuns(bad: RunVerdict[], config: ProducerConfig, fleet: WorkerFleet): Promise<string[]> {
  if (!bad.length) return [];
  const redis = new IORedis({ host: config.host, port: config.port, lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined);
  const queue = new Queue(DEFAULT_QUEUE, { connection: redis, prefix: config.keyPrefix });
  queue.on('error', () => undefined);
  const out: string[] = [];
  try {
    for (const v of bad) {
      const { planned } = v;
      out.push(`${v.verdict} run ${planned.runId} (workflow ${planned.soakWorkflow.workflow.name}, designed to ${planned.doomed ? 'fail' : 'succeed'}, ${v.durationMs} ms): ${v.detail ?? ''}`);
      if (v.late) {
        const { settled, at } = v.late;
        out.push(settled && at
          ? `  it ended later, ${at - v.late.since} ms after it started: ${settled.ok ? `ok, output ${show(settled.output, 300)}` : `failed: ${show(settled.error, 300)}`}`
          : '  it had still not ended when the soak finished');
        try {
          for (const line of await redisState(redis, queue, config.keyPrefix, planned.runId)) out.push(`  ${line}`);
        } catch (err) {
          out.push(`  (could not read its Redis state: ${err instanceof Error ? err.message : String(err)})`);
        }
      }
      const lines = fleet.linesMentioning(planned.runId);
      out.push(lines.length ? `  worker log lines mentioning it (last ${lines.length}):` : '  no worker log line mentions it');
      for (const line of lines) out.push(`    ${line}`);
    }
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
  return out;
}
