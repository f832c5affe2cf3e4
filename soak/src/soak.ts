/**
 * The chaos soak (`npm run soak`): a private redis-server with AOF, three real `graflow-worker`
 * processes, and a few hundred runs of the soak workflows, up to five at once, each checked
 * against the same workflow run in-process. Meanwhile a random worker is SIGKILLed every few
 * seconds (and replaced) and Redis is restarted once. It ends with one line,
 * `soak: N runs, N correct, N wrong, N hung`, and exits non-zero unless wrong and hung are 0.
 *
 * Sizes come from `SOAK_*` variables (see `options.ts`), e.g. `SOAK_RUNS=50 SOAK_SEED=7 npm run soak`.
 */
import { mkdirSync } from 'node:fs';
import { connect, type GraflowClient } from '@graflow/core';
import { seededRandom, startRedisServer, type RedisServerHandle } from '@graflow/testing';
import { Chaos } from './chaos';
import { checkedRun, type ProducerConfig, type RunVerdict } from './checked-run';
import { describeBadRuns, redeliveries } from './evidence';
import { WorkerFleet } from './fleet';
import { resolveSoakOptions, SoakOptionError, type SoakOptions } from './options';
import { planRuns, type PlannedRun } from './plan';
import { soakWorkflows } from './workflows';

export interface SoakSummary {
  runs: number;
  correct: number;
  wrong: number;
  hung: number;
  kills: number;
  redisRestarts: number;
  /** Evidence for each wrong or hung run, and anything else that went wrong around the runs. */
  details: string[];
  /** The last line the soak prints. */
  line: string;
}

type Say = (line: string) => void;

export interface SoakHooks {
  /** Where progress and chaos lines go. @defaultValue console.log with a `soak: ` prefix */
  say?: Say;
  /** Stops the soak early (no new runs, no waiting for runs in flight); it still cleans up. */
  signal?: AbortSignal;
}

/** Most runs in flight at once, and most of one workflow at once (runs of it overlapped). */
class Overlap {
  maxRuns = 0;
  maxSameWorkflow = 0;
  private readonly byWorkflow = new Map<string, number>();
  private inFlight = 0;

  enter(name: string): void {
    const same = (this.byWorkflow.get(name) ?? 0) + 1;
    this.byWorkflow.set(name, same);
    this.inFlight++;
    this.maxRuns = Math.max(this.maxRuns, this.inFlight);
    this.maxSameWorkflow = Math.max(this.maxSameWorkflow, same);
  }

  leave(name: string): void {
    this.byWorkflow.set(name, this.byWorkflow.get(name)! - 1);
    this.inFlight--;
  }
}

/** Starts the runs of `plan`, at most `concurrency` at once, until the plan or the time cap ends. */
async function runPlan(plan: PlannedRun[], options: SoakOptions, config: ProducerConfig, chaos: Chaos, say: Say, signal: AbortSignal): Promise<RunVerdict[]> {
  const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  const verdicts: RunVerdict[] = [];
  const inFlight = new Set<Promise<void>>();
  const overlap = new Overlap();
  const started = Date.now();
  const progressEvery = Math.max(10, Math.ceil(plan.length / 10));
  for (const planned of plan) {
    while (inFlight.size >= options.concurrency && !signal.aborted) await Promise.race([...inFlight, stopped]);
    if (signal.aborted) {
      say(`stopped early: ${verdicts.length} runs checked, ${inFlight.size} left in flight`);
      return [...verdicts]; // runs still in flight end during clean-up, against a stopped Redis
    }
    if (Date.now() - started > options.durationCapMs) {
      say(`duration cap (${options.durationCapMs} ms) reached: ${verdicts.length + inFlight.size} of ${plan.length} runs started`);
      break;
    }
    const name = planned.soakWorkflow.name;
    overlap.enter(name);
    const run: Promise<void> = checkedRun(planned, config, options.runDeadlineMs).then((verdict) => {
      verdicts.push(verdict);
      if (verdict.verdict !== 'correct') say(`${verdict.verdict}: ${planned.runId} (${verdict.detail ?? ''})`);
      if (verdicts.length % progressEvery === 0) {
        const count = (v: RunVerdict['verdict']) => verdicts.filter((x) => x.verdict === v).length;
        say(`${verdicts.length}/${plan.length} runs checked (${count('correct')} correct, ${count('wrong')} wrong, ${count('hung')} hung) after ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }).finally(() => {
      overlap.leave(name);
      inFlight.delete(run);
    });
    inFlight.add(run);
    // Mid-soak, with runs in flight: they must ride through the outage.
    if (planned.index + 1 === options.redisRestartAfterRuns) void chaos.restartRedis();
  }
  await Promise.race([Promise.all(inFlight), stopped]);
  say(`runs in flight at once: up to ${overlap.maxRuns}; runs of one workflow at once: up to ${overlap.maxSameWorkflow}`);
  return [...verdicts];
}

/** Runs one soak and stops everything it started (by PID), whatever happens. */
export async function runSoak(options: SoakOptions, hooks: SoakHooks = {}): Promise<SoakSummary> {
  const say = hooks.say ?? ((line: string) => console.log(`soak: ${line}`));
  const signal = hooks.signal ?? new AbortController().signal;
  mkdirSync(options.logDir, { recursive: true });
  const tag = options.seed.toString(36);
  const plan = planRuns(soakWorkflows(), options.runs, options.seed, tag);
  say(`seed ${options.seed}: ${plan.length} runs (${plan.filter((p) => p.doomed).length} designed to fail), ${options.concurrency} at once, ${options.workers} workers, worker logs in ${options.logDir}`);
  const details: string[] = [];
  let verdicts: RunVerdict[] = [];
  let redis: RedisServerHandle | undefined;
  let fleet: WorkerFleet | undefined;
  let chaos: Chaos | undefined;
  let client: GraflowClient | undefined;
  try {
    redis = await startRedisServer({ appendOnly: true });
    const keyPrefix = `soak-${tag}`;
    client = await connect({ host: redis.host, port: redis.port, keyPrefix });
    const config: ProducerConfig = { host: redis.host, port: redis.port, keyPrefix, client };
    fleet = new WorkerFleet({ redisPort: redis.port, keyPrefix: config.keyPrefix, logDir: options.logDir });
    for (let i = 0; i < options.workers; i++) await fleet.start();
    say(`redis-server on ${redis.host}:${redis.port} (AOF), workers ${fleet.pids.join(', ')}, key prefix ${config.keyPrefix}`);
    chaos = new Chaos(fleet, redis, options, seededRandom(options.seed ^ 0x5eed), say);
    chaos.startKilling();
    verdicts = await runPlan(plan, options, config, chaos, say, signal);
    await chaos.stop();
    const { jobs, stalled } = await redeliveries(config, `soak-${tag}-`);
    say(`BullMQ jobs: ${jobs}, re-run after their worker died: ${stalled}`);
    details.push(...fleet.unexpectedExits);
    details.push(...(await describeBadRuns(verdicts.filter((v) => v.verdict !== 'correct'), config, fleet)));
  } catch (err) {
    details.push(`the soak itself failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await chaos?.stop();
    await fleet?.stopAll();
    await client?.close();
    await redis?.stop();
  }
  const count = (v: RunVerdict['verdict']) => verdicts.filter((x) => x.verdict === v).length;
  const summary = {
    runs: verdicts.length,
    correct: count('correct'),
    wrong: count('wrong'),
    hung: count('hung'),
    kills: chaos?.kills ?? 0,
    redisRestarts: chaos?.redisRestarts ?? 0,
    details,
  };
  return { ...summary, line: `${summary.runs} runs, ${summary.correct} correct, ${summary.wrong} wrong, ${summary.hung} hung` };
}

async function main(): Promise<number> {
  let options: SoakOptions;
  try {
    options = resolveSoakOptions(process.env);
  } catch (err) {
    if (!(err instanceof SoakOptionError)) throw err;
    console.error(`soak: ${err.message}`);
    return 2;
  }
  // Ctrl-C or SIGTERM: stop starting runs, then stop every process the soak started.
  const interrupt = new AbortController();
  let exitCode = 0;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      exitCode = code;
      interrupt.abort();
    });
  }
  const summary = await runSoak(options, { signal: interrupt.signal });
  console.log(`soak: worker kills: ${summary.kills}, redis restarts: ${summary.redisRestarts}`);
  for (const line of summary.details) console.log(`soak: ${line}`);
  console.log(`soak: ${summary.line}`);
  const failed = summary.wrong > 0 || summary.hung > 0 || summary.runs === 0 || summary.details.some((d) => d.startsWith('the soak itself failed'));
  return exitCode || (failed ? 1 : 0);
}

if (require.main === module) {
  // A hung run keeps its Redis connections open, so the soak exits explicitly once it has reported.
  main().then((code) => process.exit(code), (err: unknown) => {
    console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
