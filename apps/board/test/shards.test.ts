import { randomBytes } from 'node:crypto';
import { parallel, workflow } from '@graflow/core';
import { shardIndexOfRun, shardPrefixes } from '@graflow/core/redis';
import { startRedisCluster, waitFor, type RedisClusterHandle } from '@graflow/testing';
import { TaskWorker } from '@graflow/worker';
import { parseBoardArgs } from '../src/cli';
import { BoardOptionError } from '../src/options';
import { createBoardServer, type BoardServer } from '../src/server';
import { getJob, getQueues, jobsOf } from './fixtures/board-api';
import { crunchGroup, embed } from './fixtures/workflows';

const SHARDS = 3;
let cluster: RedisClusterHandle;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** A run id of `label` that lands in shard `shard`. */
function runIdIn(label: string, shard: number): string {
  for (let i = 0; ; i++) if (shardIndexOfRun(`${label}-${i}`, SHARDS) === shard) return `${label}-${i}`;
}

describe(`the board over a namespace of ${SHARDS} shards on a Redis Cluster`, () => {
  let board: BoardServer | undefined;
  let worker: TaskWorker | undefined;
  afterEach(async () => {
    await board?.close();
    await worker?.stop({ timeoutMs: 2_000 });
  });

  it("lists every shard's queues and shows each shard's jobs with their values", async () => {
    const keyPrefix = `gft-board-${randomBytes(4).toString('hex')}`;
    const redis = { host: cluster.host, port: cluster.port, cluster: true, shards: SHARDS };
    worker = new TaskWorker({ workerId: 'board-shards', redis, keyPrefix, queues: ['tasks', 'gpu'], concurrency: 4 });
    await worker.start();
    const config = { ...redis, keyPrefix };
    for (let shard = 0; shard < SHARDS; shard++) {
      await workflow(`crunch-${shard}`, () => crunchGroup(2)).run({ queueBackend: 'redis', config, runId: runIdIn('crunch', shard) });
    }
    const gpuRun = runIdIn('embed', 2);
    await workflow('embed', () => parallel(embed.bind({ n: 1 }, { id: 'embed-1' }), embed.bind({ n: 2 }, { id: 'embed-2' })).named('embed-all')).run({ queueBackend: 'redis', config, runId: gpuRun });

    board = await createBoardServer({ redis, keyPrefix, port: 0 });
    const [p0, p1, p2] = shardPrefixes({ keyPrefix, shards: SHARDS });
    // The worker serves gpu in every shard (BullMQ registers the queue), so each shard shows it.
    const expected = [`${p0}:tasks`, `${p0}:gpu`, `${p1}:tasks`, `${p1}:gpu`, `${p2}:tasks`, `${p2}:gpu`];
    expect(board.queues()).toEqual(expected);
    const queues = await getQueues(board, `${p1}:tasks`);
    expect(queues.map((q) => q.name)).toEqual(expected);
    expect(queues.find((q) => q.name === `${p2}:gpu`)?.displayName).toBe(`${p2} · gpu`);

    // A shard's jobs, with branch values read under that shard's prefix.
    const jobs = await waitFor(async () => {
      const found = await jobsOf(board!, `${p1}:tasks`, 'completed');
      return found.length === 3 ? found : undefined;
    }, { what: `3 completed jobs in ${p1}` });
    expect(jobs.map((j) => j.name).sort()).toEqual(['crunch-0', 'crunch-1', 'group crunch-all']);
    const branch = jobs.find((j) => j.name === 'crunch-1')!;
    expect(branch.data).toMatchObject({ run: runIdIn('crunch', 1), node: 'crunch-1' });
    expect(branch.returnValue).toMatchObject({ node: 'crunch-1', ok: true, result: { n: 1, square: 1 }, from: 'run results' });
    expect((await getJob(board, `${p1}:tasks`, branch.id)).returnValue).toEqual(branch.returnValue);
    const gpuJobs = await jobsOf(board, `${p2}:gpu`, 'completed');
    expect(gpuJobs.find((j) => j.name === 'embed-2')?.returnValue).toMatchObject({ ok: true, result: [2, 20], from: 'run results' });
  });
});

describe('--redis-shards on the board', () => {
  async function optionError(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const err = await parseBoardArgs(argv, env).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(BoardOptionError);
    return (err as Error).message;
  }

  it('takes the count from the flag or REDIS_SHARDS, and a Cluster prefix without braces once sharded', async () => {
    const fromFlag = await parseBoardArgs(['--redis-shards', '8', '--redis-cluster', '--redis-key-prefix', 'app']);
    expect(fromFlag.kind === 'run' && fromFlag.options.redis).toMatchObject({ shards: 8, cluster: true, keyPrefix: 'app' });
    const fromEnv = await parseBoardArgs(['--redis-key-prefix', 'app'], { REDIS_SHARDS: '4' });
    expect(fromEnv.kind === 'run' && fromEnv.options.redis.shards).toBe(4);
  });

  it('refuses a bad count or a braced prefix, naming the flag or variable and the value', async () => {
    expect(await optionError(['--redis-shards', '0'])).toBe('invalid --redis-shards 0: expected an integer from 1 to 256');
    expect(await optionError([], { REDIS_SHARDS: 'lots' })).toBe('invalid REDIS_SHARDS "lots": expected an integer');
    expect(await optionError(['--redis-shards', '2', '--redis-key-prefix', '{app}'])).toBe(
      'invalid --redis-key-prefix "{app}": expected a prefix without braces with --redis-shards 2 (each shard is a hash tag of its own, {<prefix>-<i>-<salt>})',
    );
  });
});
