import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { stringify } from 'yaml';
import {
  BOARD_ENTRY,
  DEPLOY_DIR,
  WORKER_ENTRY,
  WORKER_ENV_VARS,
  deployPath,
  dockerfileProblems,
  durationSeconds,
  kustomizeObjects,
  lintCompose,
  one,
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
    expect(board.entrypoint).toEqual(['node', BOARD_ENTRY]);
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
  const inStage = (index: number): Instruction[] => {
    const start = stages[index].getRange().start.line;
    const end = index + 1 < stages.length ? stages[index + 1].getRange().start.line : Infinity;
    return instructions.filter((i) => i.getRange().start.line > start && i.getRange().start.line < end);
  };
  const runtime = inStage(stages.length - 1);
  const last = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword).at(-1);

  it('has valid syntax', () => {
    expect(dockerfileProblems(text)).toEqual([]);
    expect(dockerfileProblems(text.replace('USER 1000:1000', 'USR 1000').replace('EXPOSE 9464', 'EXPOSE port'))).toHaveLength(2);
  });

  it('builds in node:20 and runs on node:20 slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(expand(stages[0].getImageName() ?? '')).toMatch(/^node:20\b/);
    expect(expand(stages.at(-1)!.getImageName() ?? '')).toMatch(/^node:20(-[a-z]+)?-slim$/);
    const build = inStage(0).map((i) => i.getTextContent()).join('\n');
    expect(build).toMatch(/npm ci/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(runtime.some((i) => i.getKeyword() === 'COPY' && /--from=build/.test(i.getTextContent()))).toBe(true);
  });

  it('runs the worker as a non-root user, exposes and health-checks the metrics port', () => {
    const user = last(runtime, 'USER')!.getArgumentsContent()!;
    expect(user.split(':')[0]).toMatch(/^[1-9]\d*$/); // numeric, so runAsNonRoot can check it
    const k8sUser = kustomizeObjects(deployPath('k8s')).find((o) => o.metadata.name === 'graflow-worker' && o.kind === 'Deployment')!;
    expect(Number(user.split(':')[0])).toBe(k8sUser.spec.template.spec.securityContext.runAsUser);
    const entrypoint = JSON.parse(last(runtime, 'ENTRYPOINT')!.getArgumentsContent()!);
    expect(entrypoint).toEqual(['node', WORKER_ENTRY]);
    const env = runtime.filter((i) => i.getKeyword() === 'ENV').map((i) => i.getTextContent()).join(' ');
    const metricsPort = /METRICS_PORT=(\d+)/.exec(env)![1];
    expect(last(runtime, 'EXPOSE')!.getArgumentsContent()).toBe(metricsPort);
    expect(last(runtime, 'HEALTHCHECK')!.getTextContent()).toMatch(/\/healthz/);
  });

  it('keeps the build context small with a Dockerfile-specific ignore file', () => {
    const ignore = readFileSync(deployPath('Dockerfile.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
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
