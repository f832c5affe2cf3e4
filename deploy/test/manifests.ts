/**
 * Loaders and schema validators for the files under deploy/, shared by the manifest tests.
 * Everything runs offline: the schemas ship inside npm packages (kubernetes-models and
 * @kubernetes-models/keda for Kubernetes, dclint for the compose-spec schema, dockerfile-utils
 * for Dockerfile syntax) and `systemd-analyze verify` comes with Debian's systemd.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { validate as validateDockerfileSyntax } from 'dockerfile-utils';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const DEPLOY_DIR = resolve(__dirname, '..');
export const REPO_DIR = resolve(DEPLOY_DIR, '..');
export const deployPath = (...parts: string[]): string => join(DEPLOY_DIR, ...parts);

/** The worker's environment variables (BRIEF §5): anything else in a manifest is a typo. */
export const WORKER_ENV_VARS = new Set([
  'WORKER_ID',
  'REDIS_HOST',
  'REDIS_PORT',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_KEY_PREFIX',
  'MAX_CONCURRENT_TASKS',
  'GRAFLOW_TASKS',
  'GRACEFUL_SHUTDOWN_TIMEOUT',
  'METRICS_PORT',
  'GRAFLOW_QUEUES',
]);

/** The worker's autoscaling gauge (BRIEF §5), one series per key prefix and queue. */
export const QUEUE_DEPTH_METRIC = 'graflow_queue_depth';
/** The queue every worker serves unless told otherwise (`--queues`). */
export const DEFAULT_QUEUE = 'tasks';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
};

export function readYaml(path: string): any {
  return parseYaml(readFileSync(path, 'utf8'), { merge: true });
}

export function readK8s(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
    return doc.toJS() as K8sObject;
  });
}

interface Validatable {
  validate(): void;
}
const K8S_MODELS: Record<string, new (data: any) => Validatable> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/**
 * Validates one object against the JSON schema of its apiVersion and kind. A kind without a
 * registered model is an error too, so a new manifest cannot slip through unvalidated.
 */
export function validateK8s(obj: K8sObject): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = K8S_MODELS[key];
  if (!Model) throw new Error(`no schema registered for ${key} (${obj.metadata?.name})`);
  new Model(obj).validate();
}

export interface Kustomization {
  dir: string;
  resources: string[];
}

/** Reads a kustomization.yaml and checks the parts of its shape that this repository uses. */
export function readKustomization(dir: string): Kustomization {
  const k = readYaml(join(dir, 'kustomization.yaml'));
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    throw new Error(`${dir}/kustomization.yaml: expected kustomize.config.k8s.io/v1beta1 Kustomization`);
  }
  const allowed = new Set(['apiVersion', 'kind', 'resources', 'images', 'namespace', 'labels', 'patches']);
  const unknown = Object.keys(k).filter((key) => !allowed.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: unexpected keys ${unknown.join(', ')}`);
  if (!Array.isArray(k.resources) || k.resources.some((r: unknown) => typeof r !== 'string')) {
    throw new Error(`${dir}/kustomization.yaml: resources must be a list of paths`);
  }
  return { dir, resources: k.resources as string[] };
}

/** The manifest files a `kubectl apply -k dir` would load, following directory resources. */
export function kustomizeFiles(dir: string): string[] {
  return readKustomization(dir).resources.flatMap((r) => {
    const path = resolve(dir, r);
    if (!existsSync(path)) throw new Error(`${dir}/kustomization.yaml: resource ${r} does not exist`);
    return statSync(path).isDirectory() ? kustomizeFiles(path) : [path];
  });
}

export const kustomizeObjects = (dir: string): K8sObject[] => kustomizeFiles(dir).flatMap(readK8s);

interface LintMessage {
  rule: string;
  message: string;
  line: number;
}
interface DCLinterApi {
  DCLinter: new (config: { rules: Record<string, number>; quiet: boolean; debug: boolean; exclude: string[] }) => {
    lintFiles(paths: string[], recursive: boolean): { messages: LintMessage[] }[];
  };
}
// dclint ships a CommonJS build, but its type declarations are marked ESM-only, so TypeScript
// would refuse a static import from this CommonJS file; the shape used here is declared above.
const { DCLinter } = require('dclint') as DCLinterApi;

/** dclint: the compose-spec JSON schema check plus every lint rule; returns the messages. */
export function lintCompose(path: string): LintMessage[] {
  const linter = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] });
  return linter.lintFiles([path], false).flatMap((r) => r.messages.map(({ rule, message, line }) => ({ rule, message, line })));
}

export function dockerfileProblems(content: string): string[] {
  return validateDockerfileSyntax(content).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

export const systemdAnalyzeAvailable = (): boolean => spawnSync('systemd-analyze', ['--version']).status === 0;

/**
 * `systemd-analyze verify` on an instance of a template unit. It exits 0 even for unknown keys
 * or unparsable values (it only says "ignoring"), so anything it prints counts as a problem.
 */
export function systemdProblems(templatePath: string, instance: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'graflow-unit-'));
  try {
    const unit = join(dir, basename(templatePath).replace('@.service', `@${instance}.service`));
    copyFileSync(templatePath, unit);
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { encoding: 'utf8' });
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
    return r.status === 0 ? lines : [`exit ${r.status}`, ...lines];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses a unit file into `section -> key -> values` (keys may repeat). */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1], current);
      return;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`unit line ${i + 1} is not key=value inside a section: ${raw}`);
    current.set(kv[1], [...(current.get(kv[1]) ?? []), kv[2]]);
  });
  return sections;
}

/** Parses KEY=value lines (comments and blanks skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`not KEY=value: ${raw}`);
    env[m[1]] = m[2];
  }
  return env;
}

/** Seconds in a systemd or compose duration such as `45s`, `1m30s` or `45`. */
export function durationSeconds(value: string | number): number {
  if (typeof value === 'number') return value;
  const units: Record<string, number> = { h: 3600, m: 60, min: 60, s: 1, sec: 1, ms: 0.001 };
  if (/^\d+$/.test(value.trim())) return Number(value);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)\s*(h|min|ms|m|sec|s)/g)];
  if (parts.length === 0) throw new Error(`not a duration: ${value}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

/** Writes `content` next to nothing else in a temp dir and hands the path to `fn`. */
export function withTempFile<T>(name: string, content: string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'graflow-deploy-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, content);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Label values Kubernetes accepts (what an HPA metric selector may hold). */
export const isK8sLabelValue = (v: string): boolean => v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v);

/** Compose's `${VAR}` and `${VAR:-default}` interpolation, with `env` as the shell environment. */
export function interpolateCompose(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => env[name] || fallback || '');
}

export function composeEnvironment(service: { environment?: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolateCompose(String(v))]));
}

export const K8S_DIR = deployPath('k8s');
/** Where the image installs the packages (its WORKDIR); systemd installs them in /opt/graflow. */
export const IMAGE_ROOT = '/app';
/** The installed bins, relative to the folder the packages were installed into. */
export const WORKER_ENTRY = 'node_modules/@graflow/worker/dist/main.js';
export const BOARD_ENTRY = 'node_modules/@graflow/board/dist/main.js';
/** The one key prefix the docs and manifests use: a valid label value, without ':' (see deploy/README.md). */
export const EXAMPLE_KEY_PREFIX = 'myapp-workflows';

/** Every YAML file under `dir` except kustomizations. */
export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(e.name) && e.name !== 'kustomization.yaml' ? [path] : [];
  });
}

export const byKind = (objects: K8sObject[], kind: string, name?: string): K8sObject[] =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

/** The one object of `kind` (and `name`); throws when there are none or several. */
export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = byKind(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}
