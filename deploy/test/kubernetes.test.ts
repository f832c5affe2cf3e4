import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  BOARD_ENTRY,
  DEFAULT_QUEUE,
  EXAMPLE_KEY_PREFIX,
  IMAGE_ROOT,
  DEPLOY_DIR,
  K8S_DIR,
  QUEUE_DEPTH_METRIC,
  WORKER_ENV_VARS,
  byKind,
  isK8sLabelValue,
  kustomizeFiles,
  kustomizeObjects,
  one,
  readK8s,
  validateK8s,
  yamlFilesUnder,
  type K8sObject,
} from './manifests';

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

  it('ships a Redis with AOF on a PersistentVolumeClaim, where the ConfigMap points, in the default and KEDA sets', () => {
    for (const set of [defaultSet, kedaSet]) {
      const service = one(set, 'Service', config.REDIS_HOST);
      expect(service.spec.ports[0].port).toBe(Number(config.REDIS_PORT));
      const redis = one(set, 'Deployment', 'redis');
      expect(service.spec.selector).toEqual(redis.spec.selector.matchLabels);
      const pod = redis.spec.template.spec;
      const container = pod.containers[0];
      expect(container.image).toMatch(/^redis:7(\.|-|$)/);
      expect(container.args.join(' ')).toMatch(/--appendonly yes/);
      // BullMQ needs every key it writes: an evicting Redis loses jobs.
      expect(container.args.join(' ')).toMatch(/--maxmemory-policy noeviction/);
      expect(container.ports[0].containerPort).toBe(Number(config.REDIS_PORT));
      const data = pod.volumes.find((v: any) => v.persistentVolumeClaim);
      expect(container.volumeMounts).toContainEqual({ name: data.name, mountPath: '/data' });
      expect(one(set, 'PersistentVolumeClaim', data.persistentVolumeClaim.claimName).spec.accessModes).toEqual(['ReadWriteOnce']);
      // One pod may hold a ReadWriteOnce volume: a rolling update would deadlock on it.
      expect(redis.spec.strategy.type).toBe('Recreate');
      expect(redis.spec.replicas).toBe(1);
    }
  });

  it('starts the workers and the board only once Redis answers (an init container), not in a crash loop', () => {
    const script = 'wait-for-redis.js';
    expect(existsSync(join(DEPLOY_DIR, 'bin', script))).toBe(true);
    expect(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8')).toMatch(/^COPY deploy\/bin\/ \.\/bin\/$/m);
    const deployments = [...byKind(defaultSet, 'Deployment'), ...kustomizeObjects(join(K8S_DIR, 'examples', 'gpu-pool'))].filter(
      (d) => d.kind === 'Deployment' && d.metadata.name !== 'redis',
    );
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['graflow-board', 'graflow-worker', 'graflow-worker-gpu']);
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const [init] = pod.initContainers;
      expect(init.command).toEqual(['node', `${IMAGE_ROOT}/bin/${script}`]);
      expect(init.image).toBe(pod.containers[0].image);
      expect(init.envFrom).toEqual(pod.containers[0].envFrom);
    }
    // With no autoscaler yet, or when Prometheus is down, the Deployment's own count applies.
    expect(worker.spec.replicas).toBeGreaterThan(0);
  });

  it('leaves GRAFLOW_TASKS to the image, so a derived image`s ENV is not overridden', () => {
    expect(config.GRAFLOW_TASKS).toBeUndefined();
    expect(config.REDIS_KEY_PREFIX).toBe(EXAMPLE_KEY_PREFIX);
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
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
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
    expect(board.command).toEqual(['node', `${IMAGE_ROOT}/${BOARD_ENTRY}`]);
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
