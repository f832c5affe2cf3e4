/**
 * The deployment files against the worker itself: its real CLI parser must accept the argv and
 * environment each manifest gives it, and its real metrics registry must produce the series the
 * autoscalers select.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { createRegistry, parseWorkerCli, registerQueueDepth, type ResolvedWorkerCliOptions } from '@graflow/worker';
import type { Env } from 'dockerfile-ast';
import { readStages, stageNamed } from './dockerfile-emulator';
import {
  EXAMPLE_KEY_PREFIX,
  composeEnvironment,
  deployPath,
  isK8sLabelValue,
  durationSeconds,
  kustomizeObjects,
  parseEnvFile,
  parseUnit,
  readYaml,
  type K8sObject,
} from './manifests';

async function resolveWorker(argv: string[], env: Record<string, string>): Promise<ResolvedWorkerCliOptions> {
  const result = await parseWorkerCli(argv, env);
  if (result.kind !== 'options') throw new Error('expected options, got help');
  return result.options;
}

const objects = kustomizeObjects(deployPath('k8s'));
const find = (kind: string, name?: string): K8sObject => objects.find((o) => o.kind === kind && (!name || o.metadata.name === name))!;

/** The worker image's own environment (its runtime ENV), which a container's settings override. */
const imageEnv: Record<string, string> = Object.assign(
  {},
  ...stageNamed(readStages(deployPath('Dockerfile')), 'runtime')
    .instructions.filter((i) => i.getKeyword() === 'ENV')
    .map((i) => Object.fromEntries((i as unknown as Env).getProperties().map((p) => [p.getName(), p.getValue() ?? '']))),
);

describe('the worker accepts what the manifests give it', () => {
  it('Kubernetes: args with POD_NAME and the ConfigMap environment', async () => {
    const pod = find('Deployment', 'graflow-worker').spec.template.spec;
    const container = pod.containers[0];
    const env = { ...imageEnv, ...(find('ConfigMap', 'graflow-worker-config').data as Record<string, string>) };
    const argv = (container.args as string[]).map((a) => a.replace('$(POD_NAME)', 'graflow-worker-7d9c-x2'));
    const options = await resolveWorker(argv, env);
    expect(options.workerId).toBe('graflow-worker-7d9c-x2');
    expect(options.mode).toBe('worker');
    // The tasks are the image's: its sample, or what a derived image's ENV names.
    expect(options.taskModules).toEqual([imageEnv.GRAFLOW_TASKS]);
    expect(options.gracefulShutdownTimeoutMs / 1000).toBeLessThan(pod.terminationGracePeriodSeconds);
    const metricsPort = container.ports.find((p: { name: string }) => p.name === 'metrics').containerPort;
    expect(options.http).toEqual({ host: '0.0.0.0', port: metricsPort, portChosen: true });
    const hpa = find('HorizontalPodAutoscaler');
    expect(options.keyPrefix).toBe(hpa.spec.metrics[0].external.metric.selector.matchLabels.key_prefix);
    expect(options.queues).toEqual([hpa.spec.metrics[0].external.metric.selector.matchLabels.queue]);
  });

  it('Kubernetes GPU pool example: serves exactly the queue its HPA scales on', async () => {
    const gpuSet = kustomizeObjects(deployPath('k8s', 'examples', 'gpu-pool'));
    const container = gpuSet.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
    const env = { ...imageEnv, ...(find('ConfigMap', 'graflow-worker-config').data as Record<string, string>) };
    const argv = (container.args as string[]).map((a) => a.replace('$(POD_NAME)', 'graflow-worker-gpu-5f6b-q1'));
    const options = await resolveWorker(argv, env);
    const selector = gpuSet.find((o) => o.kind === 'HorizontalPodAutoscaler')!.spec.metrics[0].external.metric.selector.matchLabels;
    expect(options.queues).toEqual([selector.queue]);
    expect(options.keyPrefix).toBe(selector.key_prefix);
    expect(options.concurrency).toBe(1);
  });

  it('docker compose: the worker service environment', async () => {
    const worker = readYaml(deployPath('docker-compose.yml')).services.worker;
    const options = await resolveWorker([], { ...imageEnv, ...composeEnvironment(worker) });
    expect(options.queues).toEqual(['tasks']);
    const gpu = await resolveWorker([], composeEnvironment(readYaml(deployPath('docker-compose.yml')).services['worker-gpu']));
    expect(gpu).toMatchObject({ queues: ['gpu'], concurrency: 1, keyPrefix: options.keyPrefix });
    expect(options.redis).toMatchObject({ host: 'redis', port: 6379 });
    expect(options.keyPrefix).toBe(EXAMPLE_KEY_PREFIX);
    expect(options.gracefulShutdownTimeoutMs / 1000).toBeLessThan(durationSeconds(worker.stop_grace_period));
    expect(options.http?.port).toBe(9464);
  });

  it('systemd: ExecStart with the instance name and the sample env file', async () => {
    const unit = parseUnit(readFileSync(deployPath('systemd', 'graflow-worker@.service'), 'utf8'));
    const service = unit.get('Service')!;
    const [, , ...argv] = service.get('ExecStart')![0].replace('%i', 'worker-1').split(' ');
    const env = parseEnvFile(readFileSync(deployPath('systemd', 'worker.env.example'), 'utf8'));
    const options = await resolveWorker(argv, env);
    expect(options.workerId).toBe('worker-1');
    expect(options.gracefulShutdownTimeoutMs / 1000).toBeLessThan(durationSeconds(service.get('TimeoutStopSec')![0]));
  });

  it('rejects a manifest value the worker would refuse (the check can fail)', async () => {
    const worker = readYaml(deployPath('docker-compose.yml')).services.worker;
    const env = { ...composeEnvironment(worker), MAX_CONCURRENT_TASKS: 'four' };
    await expect(resolveWorker([], env)).rejects.toThrow(/four/);
  });
});

describe('one key-prefix convention', () => {
  it('compose, Kubernetes (ConfigMap, HPAs, KEDA) and systemd use the same prefix, which label selectors and the flow tree accept', async () => {
    const compose = await resolveWorker([], { ...imageEnv, ...composeEnvironment(readYaml(deployPath('docker-compose.yml')).services.worker) });
    const systemd = parseEnvFile(readFileSync(deployPath('systemd', 'worker.env.example'), 'utf8'));
    const gpuHpa = kustomizeObjects(deployPath('k8s', 'examples', 'gpu-pool')).find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    const keda = kustomizeObjects(deployPath('k8s', 'keda')).find((o) => o.kind === 'ScaledObject')!;
    const prefixes = {
      compose: compose.keyPrefix,
      configMap: (find('ConfigMap', 'graflow-worker-config').data as Record<string, string>).REDIS_KEY_PREFIX,
      hpa: find('HorizontalPodAutoscaler').spec.metrics[0].external.metric.selector.matchLabels.key_prefix,
      gpuHpa: gpuHpa.spec.metrics[0].external.metric.selector.matchLabels.key_prefix,
      keda: /key_prefix="([^"]+)"/.exec(keda.spec.triggers[0].metadata.query)![1],
      systemd: systemd.REDIS_KEY_PREFIX,
    };
    expect(new Set(Object.values(prefixes))).toEqual(new Set([EXAMPLE_KEY_PREFIX]));
    // A label value (what an HPA selector holds), and no ':' (BullMQ's getFlow splits keys on it).
    expect(isK8sLabelValue(EXAMPLE_KEY_PREFIX) && !EXAMPLE_KEY_PREFIX.includes(':')).toBe(true);
  });
});

describe('the autoscalers select the series the worker exports', () => {
  it('graflow_queue_depth{key_prefix,queue} from the worker registry matches the HPA, the adapter rule and KEDA', async () => {
    const prefix = (find('ConfigMap', 'graflow-worker-config').data as Record<string, string>).REDIS_KEY_PREFIX;
    const registry = createRegistry({ processMetrics: false });
    registerQueueDepth(registry, prefix, async () => new Map([['tasks', 7], ['gpu', 2]]));
    const series = `graflow_queue_depth{key_prefix="${prefix}",queue="tasks"} 7`;
    expect(await registry.metrics()).toContain(series);

    const metric = find('HorizontalPodAutoscaler').spec.metrics[0].external.metric;
    const { key_prefix: selectedPrefix, queue } = metric.selector.matchLabels;
    expect(`${metric.name}{key_prefix="${selectedPrefix}",queue="${queue}"} 7`).toBe(series);
    const gpuHpa = kustomizeObjects(deployPath('k8s', 'examples', 'gpu-pool')).find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    const gpuLabels = gpuHpa.spec.metrics[0].external.metric.selector.matchLabels;
    expect(await registry.metrics()).toContain(`graflow_queue_depth{key_prefix="${gpuLabels.key_prefix}",queue="${gpuLabels.queue}"} 2`);
    const adapter = kustomizeObjects(deployPath('k8s', 'prometheus-adapter'))[0];
    expect(parseYaml(adapter.data['config.yaml']).externalRules[0].name.as).toBe(metric.name);
    const keda = kustomizeObjects(deployPath('k8s', 'keda')).find((o) => o.kind === 'ScaledObject')!;
    expect(keda.spec.triggers[0].metadata.query).toContain(series.replace(/ 7$/, ''));
  });
});
