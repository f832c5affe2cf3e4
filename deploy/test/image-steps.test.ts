/**
 * The worker image and a user's image built on it, repeated without Docker: the `install` and
 * `runtime` stages of deploy/Dockerfile and the derived deploy/examples/tasks-image/Dockerfile run
 * instruction by instruction against temp folders standing for /app and /packs (see
 * dockerfile-emulator.ts). The build stage's `npm pack` is `packPublished`. Then the container's
 * ENTRYPOINT starts, as the image would start it, against a private redis-server.
 * Needs `npm run build` first. Slow (npm install), hence the long timeouts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, uniquePrefix, type RedisServerHandle } from '@graflow/testing';
import { EMPTY_IMAGE, containerCommand, emulateStage, readStages, stageNamed, type EmulatedImage, type EmulatorOptions } from './dockerfile-emulator';
import { REPO_DIR, deployPath } from './manifests';
import { Child, isolatedNpmEnv, npm, packPublished, run, writeJson, writeText } from './packing';

const SLOW = 10 * 60_000;

// The producer is the user's application; it sits in /app only to resolve the image's @graflow/core.
const BASE_PRODUCER = `import { parallel, workflow } from '@graflow/core';
import sample from './sample-tasks/index.js';

const greet = workflow('greet', () => parallel(sample.hello.bind({ name: 'image' }, { id: 'hello-image' })).named('greet'));
const config = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT), keyPrefix: process.env.REDIS_KEY_PREFIX };
const { results } = await greet.run({ queueBackend: 'redis', config });
console.log(JSON.stringify(results));
`;

const DERIVED_PRODUCER = `import { parallel, workflow } from '@graflow/core';
import { toMilliseconds } from './tasks/index.js';
import cjs from './tasks-cjs/index.js';

const both = workflow('both-formats', () =>
  parallel(toMilliseconds.bind({ text: '2h' }, { id: 'esm-branch' }), cjs.shout.bind({ word: 'hi' }, { id: 'cjs-branch' })).named('both'),
);
const config = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT), keyPrefix: process.env.REDIS_KEY_PREFIX };
const { results } = await both.run({ queueBackend: 'redis', config });
console.log(JSON.stringify(results));
`;

// A CommonJS task package with a dependency of its own, installed with `npm install --omit=dev`.
const CJS_TASKS = `'use strict';
const { task } = require('@graflow/core');
const ms = require('ms');

const shout = task('shout', (ctx) => ({ word: ctx.params.word.toUpperCase(), seconds: ms('1m') / 1000, pid: process.pid }));
module.exports = { shout };
`;

/** Resolves once `port` can be bound on all interfaces again, i.e. nothing holds it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

describe('the worker image, its steps repeated without Docker', () => {
  let dir: string;
  let app: string;
  let options: EmulatorOptions;
  let base: EmulatedImage;
  let redis: RedisServerHandle;
  const started: Child[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'graflow-image-'));
    app = join(dir, 'app');
    options = { paths: { '/app': app, '/packs': join(dir, 'packs') }, context: REPO_DIR };
    await packPublished(join(dir, 'packs'));
    const stages = readStages(deployPath('Dockerfile'));
    emulateStage(stageNamed(stages, 'install'), EMPTY_IMAGE, options);
    base = emulateStage(stageNamed(stages, 'runtime'), EMPTY_IMAGE, options);
    redis = await startRedisServer();
  }, SLOW);

  afterAll(async () => {
    await Promise.all(started.map((c) => c.stop().catch(() => undefined)));
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts a container of `image`: its ENTRYPOINT, working directory and environment. A container
   * has a network namespace of its own, where the image's METRICS_PORT is always free; on this
   * shared host a free port stands for it.
   */
  async function startContainer(image: EmulatedImage, env: Record<string, string>): Promise<Child> {
    const { argv, cwd, env: imageEnv } = containerCommand(image, options);
    expect(imageEnv.METRICS_PORT).toBe('9464');
    const ownNamespace = { METRICS_PORT: String(await freePort()) };
    const child = new Child(argv[0], argv.slice(1), { cwd, env: isolatedNpmEnv({ ...imageEnv, ...ownNamespace, ...env }) });
    started.push(child);
    return child;
  }

  const redisEnv = (prefix: string) => ({ REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port), REDIS_KEY_PREFIX: prefix });

  async function produce(script: string, prefix: string): Promise<Record<string, unknown>> {
    writeText(join(app, 'producer.mjs'), script);
    const { stdout } = await run(process.execPath, ['producer.mjs'], { cwd: app, env: isolatedNpmEnv(redisEnv(prefix)) });
    return JSON.parse(stdout);
  }

  it('installs the packages, not the repository: no src/ or test/, the worker started by node itself', () => {
    expect(existsSync(join(app, 'node_modules', '@graflow', 'worker', 'dist', 'main.js'))).toBe(true);
    for (const pkg of ['core', 'store', 'worker', 'board']) {
      expect(existsSync(join(app, 'node_modules', '@graflow', pkg, 'src'))).toBe(false);
      expect(existsSync(join(app, 'node_modules', '@graflow', pkg, 'test'))).toBe(false);
    }
    expect(existsSync(join(app, 'packages'))).toBe(false);
    expect(base.entrypoint[0]).toBe('node');
    expect(base.user).toBe('1000:1000');
  });

  it('the base image starts as it is: its sample task runs on the worker, which exits 0 on SIGTERM and frees its port', async () => {
    const prefix = uniquePrefix('image-base');
    const worker = await startContainer(base, redisEnv(prefix));
    const running = await worker.waitForLog('graflow-worker running');

    expect(await produce(BASE_PRODUCER, prefix)).toEqual({ 'hello-image': 'hello image' });
    const metrics = await (await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^graflow_tasks_total\{status="succeeded"\} 1$/m);

    // The ENTRYPOINT's process is the worker itself: SIGTERM reaches it and nothing is left behind.
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    expect(await portIsFree(running.metricsPort as number)).toBe(true);
  }, SLOW);

  it('a derived image: an ESM task package with its own dependency (npm ci), next to a CJS one, runs its branches on the worker', async () => {
    const [userStage] = readStages(deployPath('examples', 'tasks-image', 'Dockerfile'));
    expect(userStage.from).toMatch(/^graflow-worker:/);
    const derived = emulateStage(userStage, base, { ...options, context: deployPath('examples', 'tasks-image') });
    expect(derived.env.GRAFLOW_TASKS).toBe('/app/tasks/index.js');
    // The image's @graflow/core serves the task package (an optional peer): one copy in the process.
    expect(existsSync(join(app, 'tasks', 'node_modules', 'ms'))).toBe(true);
    expect(existsSync(join(app, 'tasks', 'node_modules', '@graflow'))).toBe(false);

    const cjsDir = join(app, 'tasks-cjs');
    writeJson(join(cjsDir, 'package.json'), { name: 'my-cjs-tasks', private: true, type: 'commonjs', dependencies: { ms: '^2.1.3' } });
    writeText(join(cjsDir, 'index.js'), CJS_TASKS);
    await npm(['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], cjsDir);

    const prefix = uniquePrefix('image-derived');
    const worker = await startContainer(
      { ...derived, env: { ...derived.env, GRAFLOW_TASKS: `${derived.env.GRAFLOW_TASKS},/app/tasks-cjs/index.js` } },
      redisEnv(prefix),
    );
    await worker.waitForLog('graflow-worker running');
    expect(await produce(DERIVED_PRODUCER, prefix)).toEqual({
      'esm-branch': { text: '2h', ms: 7_200_000, pid: worker.pid },
      'cjs-branch': { word: 'HI', seconds: 60, pid: worker.pid },
    });
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
  }, SLOW);
});
