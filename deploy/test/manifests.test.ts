import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse as parseYaml, stringify } from 'yaml';
import {
  DEFAULT_QUEUE,
  DEPLOY_DIR,
  QUEUE_DEPTH_METRIC,
  WORKER_ENV_VARS,
  deployPath,
  dockerfileProblems,
  durationSeconds,
  isK8sLabelValue,
  kustomizeFiles,
  kustomizeObjects,
  lintCompose,
  parseEnvFile,
  parseUnit,
  readK8s,
  readYaml,
  systemdAnalyzeAvailable,
  systemdProblems,
  validateK8s,
  withTempFile,
  type K8sObject,
} from './manifests';

const K8S_DIR = deployPath('k8s');
const WORKER_ENTRY = 'apps/worker/dist/main.js';
const BOARD_ENTRY = 'apps/board/dist/main.js';

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(e.name) && e.name !== 'kustomization.yaml' ? [path] : [];
  });
}

const byKind = (objects: K8sObject[], kind: string, name?: string): K8sObject[] =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = byKind(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

describe('Kubernetes manifests', () => {
  const files = yamlFilesUnder(K8S_DIR);
  const defaultSet = kustomizeObjects(K8S_DIR);
  const kedaSet = kustomizeObjects(join(K8S_DIR, 'keda'));
  const config = one(defaultSet, 'ConfigMap', 'graflow-worker-config').data as Record<string, string>;
  const worker = one(defaultSet, 'Deployment', 'graflow-worker');
  const workerPod = worker.spec.template.spec;
  const workerContainer = workerPod.containers[0];

  it.each(files.map((f) => [relative(DEPLOY_DIR, f), f]))('%s validates against its schema', (_name, file) => {
    const objects = readK8s(file);
    expect(objects.length).toBeGreaterThan(0);
    for (const obj of objects) validateK8s(obj);
  });

  it('rejects deliberately broken objects (the validators can fail)', () => {
    const brokenWorker = structuredClone(worker);
    brokenWorker.spec.template.spec.terminationGracePeriodSeconds = '45s';
    expect(() => validateK8s(brokenWorker)).toThrow(/terminationGracePeriodSeconds/);
    const hpa = structuredClone(one(defaultSet, 'HorizontalPodAutoscaler'));
    delete hpa.spec.scaleTargetRef;
    expect(() => validateK8s(hpa)).toThrow(/scaleTargetRef/);
    const scaled = structuredClone(one(kedaSet, 'ScaledObject'));
    scaled.spec.triggers = { type: 'prometheus' };
    expect(() => validateK8s(scaled)).toThrow(/triggers/);
    expect(() => validateK8s({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toThrow(/no schema registered/);
  });

  it('applies the HPA by default and the KEDA ScaledObject only from the keda overlay', () => {
    expect(byKind(defaultSet, 'HorizontalPodAutoscaler')).toHaveLength(1);
    expect(byKind(defaultSet, 'ScaledObject')).toHaveLength(0);
    expect(byKind(kedaSet, 'ScaledObject')).toHaveLength(1);
    expect(byKind(kedaSet, 'HorizontalPodAutoscaler')).toHaveLength(0);
    const without = (set: K8sObject[]) => set.filter((o) => !['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind));
    expect(without(kedaSet)).toEqual(without(defaultSet));
  });

  it('leaves no manifest outside a kustomization', () => {
    const reachable = new Set(
      [K8S_DIR, join(K8S_DIR, 'keda'), join(K8S_DIR, 'prometheus-adapter'), join(K8S_DIR, 'examples', 'gpu-pool')].flatMap((d) =>
        kustomizeFiles(d),
      ),
    );
    expect(files.filter((f) => !reachable.has(f))).toEqual([]);
  });

  it('names each worker pod by POD_NAME from the downward API', () => {
    const podName = workerContainer.env.find((e: any) => e.name === 'POD_NAME');
    expect(podName.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(workerContainer.args).toContain('--worker-id=$(POD_NAME)');
  });

  it('gives the worker a termination grace period longer than its graceful shutdown timeout', () => {
    const shutdown = Number(config.GRACEFUL_SHUTDOWN_TIMEOUT);
    expect(shutdown).toBeGreaterThan(0);
    expect(workerPod.terminationGracePeriodSeconds).toBeGreaterThan(shutdown);
    expect(workerContainer.envFrom).toContainEqual({ configMapRef: { name: 'graflow-worker-config' } });
  });

  it('probes /healthz and /readyz on the metrics port, which the Service scrapes', () => {
    const metricsPort = Number(config.METRICS_PORT);
    const port = workerContainer.ports.find((p: any) => p.name === 'metrics');
    expect(port.containerPort).toBe(metricsPort);
    expect(workerContainer.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(workerContainer.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const service = one(defaultSet, 'Service', 'graflow-worker-metrics');
    expect(service.spec.selector).toEqual(worker.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe('metrics');
    expect(service.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(metricsPort),
      'prometheus.io/path': '/metrics',
    });
  });

  it('runs every container as a non-root user with requests and limits', () => {
    for (const d of byKind(defaultSet, 'Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      for (const c of pod.containers) {
        expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('uses only environment variables the worker knows', () => {
    expect(Object.keys(config).filter((k) => !WORKER_ENV_VARS.has(k))).toEqual([]);
    const names = workerContainer.env.map((e: any) => e.name).filter((n: string) => n !== 'POD_NAME');
    expect(names.filter((n: string) => !WORKER_ENV_VARS.has(n))).toEqual([]);
  });

  it('scales on the worker gauge for the key prefix and the queue the workers use', () => {
    const hpa = one(defaultSet, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: worker.metadata.name });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    const [external] = hpa.spec.metrics;
    expect(external.type).toBe('External');
    expect(external.external.metric.name).toBe(QUEUE_DEPTH_METRIC);
    const prefix = external.external.metric.selector.matchLabels.key_prefix;
    expect(prefix).toBe(config.REDIS_KEY_PREFIX);
    // One series per queue: the default workers serve (and scale on) the default queue only.
    expect(external.external.metric.selector.matchLabels.queue).toBe(DEFAULT_QUEUE);
    expect(Object.keys(external.external.metric.selector.matchLabels).sort()).toEqual(['key_prefix', 'queue']);
    // An HPA selector is a label selector: a prefix with ':' would be refused by the API server.
    expect(isK8sLabelValue(prefix)).toBe(true);
    expect(isK8sLabelValue('myapp:workflows')).toBe(false);
  });

  it('has a prometheus-adapter rule that serves exactly that metric, per key prefix and queue', () => {
    const [cm] = readK8s(join(K8S_DIR, 'prometheus-adapter', 'rules-configmap.yaml'));
    const rules = parseYaml(cm.data['config.yaml']).externalRules;
    const rule = rules.find((r: any) => r.name.as === QUEUE_DEPTH_METRIC);
    expect(rule.seriesQuery).toContain(`${QUEUE_DEPTH_METRIC}{`);
    expect(rule.metricsQuery).toContain('<<.LabelMatchers>>');
    // Grouping by the prefix alone would mix the queues of different pools into one number.
    expect(rule.metricsQuery).toMatch(/by \(key_prefix, queue\)/);
    expect(rule.seriesQuery).toContain('queue!=""');
  });

  it('has a KEDA ScaledObject with the Prometheus scaler on the same metric and prefix', () => {
    const scaled = one(kedaSet, 'ScaledObject');
    expect(scaled.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toContain(`${QUEUE_DEPTH_METRIC}{key_prefix="${config.REDIS_KEY_PREFIX}",queue="${DEFAULT_QUEUE}"}`);
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
  });

  it('runs the board from the worker image on its own port, probed on /healthz', () => {
    const board = one(defaultSet, 'Deployment', 'graflow-board').spec.template.spec.containers[0];
    expect(board.image).toBe(workerContainer.image);
    expect(board.command).toEqual(['node', BOARD_ENTRY]);
    expect(board.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const svc = one(defaultSet, 'Service', 'graflow-board');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports[0].port).toBe(board.ports[0].containerPort);
  });
});

describe('Kubernetes example: a GPU worker pool', () => {
  const dir = join(K8S_DIR, 'examples', 'gpu-pool');
  const gpuSet = kustomizeObjects(dir);
  const defaultSet = kustomizeObjects(K8S_DIR);
  const config = one(defaultSet, 'ConfigMap', 'graflow-worker-config').data as Record<string, string>;
  const gpu = one(gpuSet, 'Deployment', 'graflow-worker-gpu');
  const pod = gpu.spec.template.spec;
  const container = pod.containers[0];
  const podLabels = (d: K8sObject): Record<string, string> => d.spec.template.metadata.labels;
  const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);

  it('stays out of the default and KEDA kustomizations', () => {
    const names = (set: K8sObject[]) => set.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names(gpuSet).sort()).toEqual(['Deployment/graflow-worker-gpu', 'HorizontalPodAutoscaler/graflow-worker-gpu', 'Service/graflow-worker-gpu-metrics']);
    for (const set of [defaultSet, kustomizeObjects(join(K8S_DIR, 'keda'))]) {
      expect(names(set).filter((n) => n.includes('gpu'))).toEqual([]);
    }
  });

  it('serves only the gpu queue, from the same image and settings as the default workers', () => {
    const base = one(defaultSet, 'Deployment', 'graflow-worker').spec.template.spec.containers[0];
    expect(container.image).toBe(base.image);
    expect(container.args).toEqual(expect.arrayContaining(['--worker-id=$(POD_NAME)', '--queues=gpu']));
    expect(container.envFrom).toEqual(base.envFrom);
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(config.GRACEFUL_SHUTDOWN_TIMEOUT));
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it('does not share pods with the default Deployment or its metrics Service', () => {
    const worker = one(defaultSet, 'Deployment', 'graflow-worker');
    expect(selects(worker.spec.selector.matchLabels, podLabels(gpu))).toBe(false);
    expect(selects(gpu.spec.selector.matchLabels, podLabels(worker))).toBe(false);
    expect(selects(one(defaultSet, 'Service', 'graflow-worker-metrics').spec.selector, podLabels(gpu))).toBe(false);
    const service = one(gpuSet, 'Service', 'graflow-worker-gpu-metrics');
    expect(selects(service.spec.selector, podLabels(gpu))).toBe(true);
    expect(service.metadata.annotations?.['prometheus.io/scrape']).toBe('true');
  });

  it('has its own HPA on the gpu queue of the same key prefix', () => {
    const hpa = one(gpuSet, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: gpu.metadata.name });
    const metric = hpa.spec.metrics[0].external.metric;
    expect(metric.name).toBe(QUEUE_DEPTH_METRIC);
    expect(metric.selector.matchLabels).toEqual({ key_prefix: config.REDIS_KEY_PREFIX, queue: 'gpu' });
    expect(one(defaultSet, 'HorizontalPodAutoscaler').metadata.name).not.toBe(hpa.metadata.name);
  });
});

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
