/**
 * The published packages as a user gets them: `npm pack` the four workspaces, install the
 * tarballs into an ESM TypeScript app outside the repository (typescript and @types/node from the
 * npm registry), type-check it under `module: NodeNext`, run a workflow in-process, from a
 * CommonJS consumer, and on the installed `graflow-worker` bin against a private redis-server.
 * Needs `npm run build` first. Slow (npm install), hence the long timeouts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '@graflow/testing';
import { CONSUMER_SOURCES, CONSUMER_TSCONFIG, consumerPackageJson } from './fixtures/consumer-app';
import { REPO_DIR } from './manifests';
import { Child, PUBLISHED, PUBLISHED_NAMES, isolatedNpmEnv, npm, packPublished, rootDevVersion, run, writeJson, writeText, type PublishedName, type Tarball } from './packing';

const SLOW = 10 * 60_000;

describe('the published packages, installed from their tarballs', () => {
  let dir: string;
  let app: string;
  let tarballs: Record<PublishedName, Tarball>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'graflow-packing-'));
    tarballs = await packPublished(join(dir, 'packs'));
    app = join(dir, 'app');
    writeJson(join(app, 'package.json'), consumerPackageJson(tarballs, { typescript: rootDevVersion('typescript'), '@types/node': rootDevVersion('@types/node') }));
    writeJson(join(app, 'tsconfig.json'), CONSUMER_TSCONFIG);
    for (const [path, text] of Object.entries(CONSUMER_SOURCES)) writeText(join(app, path), text);
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
  }, SLOW);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const node = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, args, { cwd: app, env: isolatedNpmEnv(env) });
  const installedManifest = (name: PublishedName) => JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'));

  it('ships an MIT LICENSE and a README in every tarball', () => {
    for (const name of PUBLISHED_NAMES) {
      // apps/worker/README.md is generated from the CLI's flag table (its own helper and test).
      expect({ name, files: tarballs[name].files.filter((f) => ['LICENSE', 'README.md'].includes(f)).sort() }).toEqual({ name, files: ['LICENSE', 'README.md'] });
      expect(readFileSync(join(app, 'node_modules', name, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    }
  });

  it('ships dist and package.json, with every file package.json names, and no sources or tests', () => {
    for (const name of PUBLISHED_NAMES) {
      const { files } = tarballs[name];
      const manifest = JSON.parse(readFileSync(join(REPO_DIR, PUBLISHED[name], 'package.json'), 'utf8'));
      const roots = new Set<string>(manifest.files);
      const stray = files.filter((f) => !['package.json', 'README.md', 'LICENSE'].includes(f) && !roots.has(f.split('/')[0]));
      expect({ name, stray }).toEqual({ name, stray: [] });
      expect({ name, sources: files.filter((f) => /(^|\/)(src|test)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f))) }).toEqual({ name, sources: [] });
      expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/index.mjs', 'dist/index.d.mts']));
      const targets = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(targets) : []);
      const named = [manifest.main, manifest.types, ...targets(manifest.bin), ...targets(manifest.exports)].map((p) => p.replace(/^\.\//, ''));
      expect({ name, missing: named.filter((p) => !files.includes(p)) }).toEqual({ name, missing: [] });
    }
  });

  it('publishes: not private, caret ranges, internal dependencies at the same version, bullmq and ioredis as peers where the user client matters', () => {
    for (const name of PUBLISHED_NAMES) {
      const m = installedManifest(name);
      expect({ name, private: m.private }).toEqual({ name, private: undefined });
      for (const [dep, range] of Object.entries<string>({ ...m.dependencies, ...m.peerDependencies })) {
        expect({ name, dep, range }).toEqual({ name, dep, range: expect.stringMatching(/^\^\d+\.\d+\.\d+$/) });
        if (dep.startsWith('@graflow/')) expect(range).toBe(`^${m.version}`);
      }
    }
    expect(installedManifest('@graflow/core').peerDependencies).toEqual({ bullmq: expect.any(String), ioredis: expect.any(String) });
    expect(installedManifest('@graflow/store').peerDependencies).toEqual({ ioredis: expect.any(String) });
  });

  it('type-checks an ESM app under module NodeNext (and the types are real: a wrong option fails)', async () => {
    await node([join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app]);
    // The .cts consumer compiles to require() calls: it exercises the "require" condition's types and code.
    expect(readFileSync(join(app, 'dist', 'consumer.cjs'), 'utf8')).toMatch(/require\("@graflow\/core"\)/);
    expect(readFileSync(join(app, 'dist', 'main.js'), 'utf8')).toMatch(/from '@graflow\/core'/);
  }, SLOW);

  it('runs a workflow in-process from ESM', async () => {
    const { stdout } = await node(['dist/main.js', 'in-process']);
    const { output, results, pid } = JSON.parse(stdout);
    expect(output).toBe(14);
    expect(results['square-3']).toEqual({ value: 9, pid });
  });

  it('import and require load one module instance: one registry, one set of classes', async () => {
    const { stdout } = await node(['dist/main.js', 'one-registry']);
    expect(JSON.parse(stdout)).toEqual({
      sameTask: true,
      sameErrorClass: true,
      registeredViaRequire: ['square', 'total'],
      registeredViaImport: ['square', 'total'],
      duplicate: 'DuplicateTaskError',
      others: ['function', 'function', 'function', 'function'],
      options: ['myapp-workflows', 'myapp-workflows'],
    });
  });

  it('every entry point gives import and require the same names and the same values', async () => {
    const { stdout } = await node(['dist/main.js', 'entries']);
    const entries = JSON.parse(stdout) as { spec: string; names: number; same: boolean }[];
    expect(entries.map((e) => e.spec)).toEqual(expect.arrayContaining(PUBLISHED_NAMES));
    expect(entries.filter((e) => !e.same)).toEqual([]);
  });

  it('runs a workflow from a CommonJS require() consumer', async () => {
    const { stdout } = await node(['dist/consumer.cjs']);
    expect(JSON.parse(stdout)).toEqual({ output: 6, hash: 64, loaded: ['function', 'function'] });
  });

  describe('distributed, on the installed graflow-worker bin', () => {
    let redis: RedisServerHandle;
    let worker: Child | undefined;

    beforeAll(async () => {
      redis = await startRedisServer();
    });

    afterAll(async () => {
      await worker?.stop().catch(() => undefined);
      await redis?.stop();
    });

    it('runs the branches of the ESM task module on the worker and stops it cleanly on SIGTERM', async () => {
      const prefix = uniquePrefix('packing');
      const env = { REDIS_PORT: String(redis.port), REDIS_KEY_PREFIX: prefix };
      worker = new Child(join(app, 'node_modules', '.bin', 'graflow-worker'), ['--tasks', './dist/tasks.js', '--redis-host', '127.0.0.1'], {
        cwd: app,
        env: isolatedNpmEnv(env),
      });
      await worker.waitForLog('graflow-worker running');

      const { stdout } = await node(['dist/main.js', 'distributed'], env);
      const { output, results, pid } = JSON.parse(stdout);
      expect(output).toBe(14);
      for (const n of [1, 2, 3]) expect(results[`square-${n}`]).toEqual({ value: n ** 2, pid: worker.pid });
      expect(pid).not.toBe(worker.pid);

      expect(await worker.stop()).toEqual({ code: 0, signal: null });
    }, SLOW);
  });
});
