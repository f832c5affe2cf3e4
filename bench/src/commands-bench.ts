import { connect } from '@graflow/core';
import { BENCH } from './config';
import { fanOut } from './distributed-bench';
import { startFleet } from './fleet';
import { RawFlows } from './raw-flows';
import type { BenchRow, BenchSection } from './section';
import { RedisMonitor } from './tools/monitor';

/** Per-branch Redis work of one warm group, counted with MONITOR: client calls and commands run. */
export interface CommandCount {
  branches: number;
  clientCallsPerBranch: number;
  commandsPerBranch: number;
  byCommand: Record<string, number>;
}

const per = (n: number, branches: number) => Math.round((n / branches) * 100) / 100;

async function count(redis: { host: string; port: number }, branches: number, run: () => Promise<void>): Promise<CommandCount> {
  await run(); // warm: graph uploaded and cached, scripts loaded, connections open
  const monitor = await RedisMonitor.open(redis.host, redis.port);
  try {
    await run();
    // MONITOR lines can trail the reply that ended the run; let them arrive.
    await new Promise((r) => setTimeout(r, 200));
    const s = monitor.summary();
    return { branches, clientCallsPerBranch: per(s.clientCalls, branches), commandsPerBranch: per(s.total, branches), byCommand: s.byCommand };
  } finally {
    monitor.close();
  }
}

/**
 * What one branch costs Redis, Graflow against raw BullMQ: a warm group of N no-op branches on one
 * worker process each side, counted with MONITOR (so everything is seen: the producer, the workers,
 * BullMQ's own scripts, and the commands inside every script). Raw's count includes its
 * QueueEvents reads, which is how a raw producer learns the flow ended.
 */
export const commandsSection: BenchSection = {
  name: 'commands',
  async run({ redis }) {
    const branches = BENCH.commands.branches;
    const base = `bench-commands-${process.pid}`;
    const sizes = { processes: 1, concurrency: BENCH.concurrency };
    const graflowFleet = await startFleet('graflow', redis, `${base}-graflow`, sizes);
    const client = await connect({ host: redis.host, port: redis.port, keyPrefix: `${base}-graflow` });
    let graflow: CommandCount;
    try {
      const wf = fanOut(branches);
      graflow = await count(redis, branches, async () => {
        await wf.run({ client });
      });
    } finally {
      await client.close();
      await graflowFleet.stop();
    }
    const rawFleet = await startFleet('raw', redis, `${base}-raw`, sizes);
    const raw = await RawFlows.open(redis, `${base}-raw`);
    let rawCount: CommandCount;
    try {
      rawCount = await count(redis, branches, () => raw.run(branches));
    } finally {
      await raw.close();
      await rawFleet.stop();
    }
    const rows: BenchRow[] = [
      { metric: `client calls per branch, warm group of ${branches}`, value: String(graflow.clientCallsPerBranch), raw: String(rawCount.clientCallsPerBranch), ratio: `${(graflow.clientCallsPerBranch / rawCount.clientCallsPerBranch).toFixed(2)}x` },
      { metric: `Redis commands per branch (scripts' included)`, value: String(graflow.commandsPerBranch), raw: String(rawCount.commandsPerBranch), ratio: `${(graflow.commandsPerBranch / rawCount.commandsPerBranch).toFixed(2)}x` },
    ];
    return {
      json: { graflow, raw: rawCount },
      rows,
      notes: ['counted with MONITOR on the bench redis-server during one warm run of each side (1 worker process each); client calls are what arrived over connections, commands include those run inside scripts'],
    };
  },
};
