import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { stringify } from 'yaml';
import { PUBLISHED } from './packing';
import {
  BOARD_ENTRY,
  DEPLOY_DIR,
  IMAGE_ROOT,
  REPO_DIR,
  WORKER_ENTRY,
  WORKER_ENV_VARS,
  deployPath,
  dockerfileProblems,
  durationSeconds,
  kustomizeObjects,
  lintCompose,
  parseEnvFile,
  parseUnit,
  readYaml,
  systemdAnalyzeAvailable,
  systemdProblems,
  withTempFile,
} from './manifests';

describe('docker-compose.yml', () => {
  const composePath = deployPath('docker-compose.yml');
  const compose = readYaml(composePath);

  it('passes the compose-spec schema and every dclint rule', () => {
    expect(lintCompose(composePath)).toEqual([]);
  });

  it('rejects a deliberately broken copy', () => {
    const broken = structuredClone(compose);
    broken.services.worker.deploy.replicas = 'three';
    broken.services.worker.stop_grace = '45s';
    const messages = withTempFile('docker-compose.yml', stringify(broken), lintCompose);
    expect(messages.map((m) => m.rule)).toContain('invalid-schema');
  });

  it('has no obsolete version key, and Redis 7 with appendonly on a volume', () => {
    expect(compose.version).toBeUndefined();
    const redis = compose.services.redis;
    expect(redis.image).toMatch(/^redis:7(\.|-|$)/);
    expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(Object.keys(compose.volumes)).toContain('redis-data');
  });

  it('runs three workers that stop within a grace period longer than their shutdown timeout', () => {
    const worker = compose.services.worker;
    expect(worker.deploy.replicas).toBe(3);
    expect(durationSeconds(worker.stop_grace_period)).toBeGreaterThan(Number(worker.environment.GRACEFUL_SHUTDOWN_TIMEOUT));
    expect(Object.keys(worker.environment).filter((k) => !WORKER_ENV_VARS.has(k))).toEqual([]);
    expect(worker.environment).toMatchObject({ REDIS_HOST: 'redis', REDIS_PORT: '6379' });
    expect(existsSync(resolve(DEPLOY_DIR, worker.build.context, worker.build.dockerfile))).toBe(true);
    const tasksMount = worker.volumes[0].split(':')[0];
    expect(existsSync(resolve(DEPLOY_DIR, tasksMount, 'index.js'))).toBe(true);
  });

  it('has an opt-in GPU pool on the gpu queue, from the same image and key prefix', () => {
    const { worker, 'worker-gpu': gpu } = compose.services;
    expect(gpu.profiles).toEqual(['gpu']);
    expect(worker.profiles).toBeUndefined();
    expect(gpu.build).toEqual(worker.build);
    expect(gpu.environment).toMatchObject({ GRAFLOW_QUEUES: 'gpu', REDIS_KEY_PREFIX: worker.environment.REDIS_KEY_PREFIX });
    expect(worker.environment.GRAFLOW_QUEUES).toBeUndefined();
    expect(Object.keys(gpu.environment).filter((k) => !WORKER_ENV_VARS.has(k))).toEqual([]);
    expect(durationSeconds(gpu.stop_grace_period)).toBeGreaterThan(Number(gpu.environment.GRACEFUL_SHUTDOWN_TIMEOUT));
    expect(gpu.deploy.resources.reservations.devices[0].capabilities).toEqual(['gpu']);
  });

  it('serves the board from the same image on the same key prefix', () => {
    const { board, worker } = compose.services;
    expect(board.build).toEqual(worker.build);
    expect(board.entrypoint).toEqual(['node', `${IMAGE_ROOT}/${BOARD_ENTRY}`]);
    expect(board.environment.REDIS_KEY_PREFIX).toBe(worker.environment.REDIS_KEY_PREFIX);
    expect(board.ports).toContain('127.0.0.1:3000:3000');
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(deployPath('Dockerfile'), 'utf8');
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const args = new Map(
    dockerfile.getInitialARGs().flatMap((a) => a.getProperties().map((p) => [p.getName(), p.getValue() ?? ''] as const)),
  );
  const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_m, name: string) => args.get(name) ?? '');
  const stages = dockerfile.getFROMs();
  const stageIndex = (name: string) => stages.findIndex((f) => f.getBuildStage() === name);
  const inStage = (index: number): Instruction[] => {
    const start = stages[index].getRange().start.line;
    const end = index + 1 < stages.length ? stages[index + 1].getRange().start.line : Infinity;
    return instructions.filter((i) => i.getRange().start.line > start && i.getRange().start.line < end);
  };
  const stage = (name: string) => inStage(stageIndex(name));
  const runtime = inStage(stages.length - 1);
  const last = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword).at(-1);
  const fromFlag = (i: Instruction) => /--from=(\S+)/.exec(i.getTextContent())?.[1];
  const copies = (list: Instruction[]) => list.filter((i) => i.getKeyword() === 'COPY');
  const sources = (i: Instruction) => i.getArguments().map((a) => a.getValue()).slice(0, -1);
  const position = (list: Instruction[], pattern: RegExp) => list.findIndex((i) => pattern.test(i.getTextContent()));

  it('has valid syntax', () => {
    expect(dockerfileProblems(text)).toEqual([]);
    expect(dockerfileProblems(text.replace('USER 1000:1000', 'USR 1000').replace('EXPOSE 9464', 'EXPOSE port'))).toHaveLength(2);
  });

  it('prunes, builds and installs in node:20, and runs on node:20 slim', () => {
    expect(stages.map((f) => f.getBuildStage())).toEqual(['prune', 'build', 'install', 'runtime']);
    for (const name of ['prune', 'build', 'install']) expect(expand(stages[stageIndex(name)].getImageName() ?? '')).toMatch(/^node:20\b/);
    expect(expand(stages.at(-1)!.getImageName() ?? '')).toMatch(/^node:20(-[a-z]+)?-slim$/);
  });

  it('prunes with turbo --docker, the version the repository pins', () => {
    const root = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8'));
    expect(args.get('TURBO_VERSION')).toBe(root.devDependencies.turbo);
    const prune = stage('prune').map((i) => i.getTextContent()).join('\n');
    expect(prune).toMatch(/turbo@\$\{TURBO_VERSION\} prune @graflow\/worker @graflow\/board --docker/);
  });

  it('runs npm ci on the pruned manifests and lockfile before it copies the sources', () => {
    const build = stage('build');
    const json = position(build, /COPY --from=prune \S*\/out\/json\/ /);
    const lock = position(build, /COPY --from=prune \S*\/out\/package-lock\.json /);
    const ci = position(build, /RUN .*npm ci\b/);
    const full = position(build, /COPY --from=prune \S*\/out\/full\/ /);
    expect([json, lock, ci, full].every((i) => i >= 0)).toBe(true);
    expect(Math.max(json, lock)).toBeLessThan(ci);
    expect(ci).toBeLessThan(full);
    expect(position(build, /RUN npm run build/)).toBeGreaterThan(full);
  });

  it('copies what the builds read outside the workspaces, which turbo prune leaves out', () => {
    const copied = copies(stage('build')).filter((i) => !fromFlag(i)).flatMap(sources).map((s) => s.replace(/\/$/, ''));
    for (const dir of Object.values(PUBLISHED)) {
      const tsconfig = JSON.parse(readFileSync(join(REPO_DIR, dir, 'tsconfig.json'), 'utf8'));
      const scripts = Object.values<string>(JSON.parse(readFileSync(join(REPO_DIR, dir, 'package.json'), 'utf8')).scripts);
      const outside = [tsconfig.extends, ...scripts.flatMap((c) => [...c.matchAll(/(\.\.\/\S+)/g)].map((m) => m[1]))]
        .map((p: string) => relative(REPO_DIR, resolve(REPO_DIR, dir, p)).split('/')[0]);
      expect({ dir, missing: outside.filter((p) => !copied.includes(p)) }).toEqual({ dir, missing: [] });
    }
  });

  it('packs exactly the published packages and installs the tarballs into a clean folder, production dependencies only', () => {
    const pack = stage('build').map((i) => i.getTextContent()).find((t) => /npm pack/.test(t))!;
    expect([...pack.matchAll(/--workspace (\S+)/g)].map((m) => m[1]).sort()).toEqual(Object.keys(PUBLISHED).sort());
    const install = stage('install').map((i) => i.getTextContent()).join('\n');
    expect(install).toMatch(/npm install --omit=dev [^\n]*\/packs\/\*\.tgz/);
  });

  it('ships the installed packages and nothing of the repository: no src/, no test/', () => {
    const runtimeCopies = copies(runtime);
    expect(runtimeCopies.map(fromFlag).filter(Boolean)).toEqual(['install']);
    const fromContext = runtimeCopies.filter((i) => !fromFlag(i)).flatMap(sources);
    expect(fromContext.sort()).toEqual(['deploy/bin/', 'deploy/tasks/']);
    expect(runtimeCopies.flatMap(sources).filter((s) => /(^|\/)(src|test|packages|apps)(\/|$)/.test(s))).toEqual([]);
    const env = runtime.filter((i) => i.getKeyword() === 'ENV').map((i) => i.getTextContent()).join(' ');
    const sampleTasks = /GRAFLOW_TASKS=(\S+)/.exec(env)![1];
    expect(sampleTasks).toBe(`${IMAGE_ROOT}/sample-tasks/index.js`);
    expect(existsSync(deployPath('tasks', 'index.js'))).toBe(true);
  });

  it('runs the worker with node itself as a non-root user, exposes and health-checks the metrics port', () => {
    const user = last(runtime, 'USER')!.getArgumentsContent()!;
    expect(user.split(':')[0]).toMatch(/^[1-9]\d*$/); // numeric, so runAsNonRoot can check it
    const k8sUser = kustomizeObjects(deployPath('k8s')).find((o) => o.metadata.name === 'graflow-worker' && o.kind === 'Deployment')!;
    expect(Number(user.split(':')[0])).toBe(k8sUser.spec.template.spec.securityContext.runAsUser);
    const entrypoint = JSON.parse(last(runtime, 'ENTRYPOINT')!.getArgumentsContent()!);
    expect(entrypoint).toEqual(['node', `${IMAGE_ROOT}/${WORKER_ENTRY}`]);
    expect(last(runtime, 'WORKDIR')!.getArgumentsContent()).toBe(IMAGE_ROOT);
    const env = runtime.filter((i) => i.getKeyword() === 'ENV').map((i) => i.getTextContent()).join(' ');
    const metricsPort = /METRICS_PORT=(\d+)/.exec(env)![1];
    expect(last(runtime, 'EXPOSE')!.getArgumentsContent()).toBe(metricsPort);
    expect(last(runtime, 'HEALTHCHECK')!.getTextContent()).toMatch(/\/healthz/);
  });

  it('keeps the build context small, yet holds every deploy/ file the image copies', () => {
    const ignore = readFileSync(deployPath('Dockerfile.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', 'deploy']));
    const fromDeploy = copies(instructions).filter((i) => !fromFlag(i)).flatMap(sources).filter((s) => s.startsWith('deploy/'));
    expect(fromDeploy.length).toBeGreaterThan(0);
    for (const src of fromDeploy) expect(ignore).toContain(`!${src.replace(/\/$/, '')}`);
    // npm and turbo read the deploy workspace's manifest when they prune.
    expect(ignore).toContain('!deploy/package.json');
  });
});

describe('the derived image example (deploy/examples/tasks-image)', () => {
  const dir = deployPath('examples', 'tasks-image');
  const text = readFileSync(join(dir, 'Dockerfile'), 'utf8');

  it('has valid syntax, builds on the worker image and installs its lockfile with npm ci before copying code', () => {
    expect(dockerfileProblems(text)).toEqual([]);
    const ins = DockerfileParser.parse(text).getInstructions();
    expect(ins[0].getKeyword()).toBe('FROM');
    expect(ins[0].getArgumentsContent()).toMatch(/^graflow-worker:/);
    const ci = ins.findIndex((i) => /npm ci --omit=dev/.test(i.getTextContent()));
    const manifest = ins.findIndex((i) => i.getKeyword() === 'COPY' && /package-lock\.json/.test(i.getTextContent()));
    const code = ins.findIndex((i) => i.getKeyword() === 'COPY' && /index\.js/.test(i.getTextContent()));
    expect(manifest).toBeLessThan(ci);
    expect(ci).toBeLessThan(code);
  });

  it('is an ESM package with a dependency of its own, which leaves @graflow/core to the image', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.dependencies)).toEqual(['ms']);
    expect(pkg.peerDependenciesMeta['@graflow/core']).toEqual({ optional: true });
    expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
    expect(Object.keys(lock.packages).filter((p) => p.includes('@graflow'))).toEqual([]);
  });
});

describe('systemd unit', () => {
  const unitPath = deployPath('systemd', 'graflow-worker@.service');
  const unitText = readFileSync(unitPath, 'utf8');
  const unit = parseUnit(unitText);
  const service = unit.get('Service')!;
  const get = (key: string) => service.get(key) ?? [];
  const sampleEnv = parseEnvFile(readFileSync(deployPath('systemd', 'worker.env.example'), 'utf8'));

  it('passes systemd-analyze verify without a warning, and a broken copy does not', () => {
    // .ci/run installs systemd where it is missing; without it this check fails rather than hides.
    expect({ systemdAnalyze: systemdAnalyzeAvailable() }).toEqual({ systemdAnalyze: true });
    expect(systemdProblems(unitPath, 'ci-1')).toEqual([]);
    const broken = unitText.replace('KillSignal=SIGTERM', 'KillSignal=SIGNOPE').replace('Restart=always', 'Restartt=always');
    const problems = withTempFile('graflow-worker@.service', broken, (p) => systemdProblems(p, 'ci-1'));
    expect(problems.join('\n')).toMatch(/Restartt/);
    expect(problems.join('\n')).toMatch(/SIGNOPE/);
  });

  it('runs one worker per instance, the instance name being the worker id', () => {
    expect(unit.has('Unit') && unit.has('Install')).toBe(true);
    expect(get('ExecStart')).toEqual([`/usr/bin/node /opt/graflow/${WORKER_ENTRY} --worker-id %i`]);
    expect(get('Restart')).toEqual(['always']);
    expect(get('KillSignal')).toEqual(['SIGTERM']);
    expect(get('EnvironmentFile')).toContain('/etc/graflow/worker.env');
  });

  it('waits longer than the graceful shutdown timeout before SIGKILL', () => {
    const shutdown = Number(sampleEnv.GRACEFUL_SHUTDOWN_TIMEOUT);
    expect(shutdown).toBeGreaterThan(0);
    expect(durationSeconds(get('TimeoutStopSec')[0])).toBeGreaterThan(shutdown);
  });

  it('is hardened', () => {
    expect(get('NoNewPrivileges')).toEqual(['yes']);
    expect(get('ProtectSystem')).toEqual(['strict']);
    expect(get('ProtectHome')).toEqual(['yes']);
    expect(get('PrivateTmp')).toEqual(['yes']);
    expect(get('CapabilityBoundingSet')).toEqual(['']);
    expect(get('User')[0]).not.toBe('root');
    // MemoryDenyWriteExecute=yes would kill V8's JIT.
    expect(get('MemoryDenyWriteExecute')).toEqual([]);
  });

  it('ships a sample env file with only variables the worker knows', () => {
    expect(Object.keys(sampleEnv).filter((k) => !WORKER_ENV_VARS.has(k))).toEqual([]);
    expect(sampleEnv).toMatchObject({ REDIS_HOST: expect.any(String), REDIS_KEY_PREFIX: expect.any(String) });
  });
});

describe('durationSeconds', () => {
  it.each([
    ['45s', 45],
    ['1m30s', 90],
    ['45', 45],
    ['2min', 120],
  ])('%s is %d seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });
});
