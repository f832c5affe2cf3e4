/**
 * Helpers of the packing and image tests: pack the publishable workspaces with `npm pack`, run
 * npm in a folder outside the repository, and run the installed programs as child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitFor } from '@graflow/testing';
import { REPO_DIR } from './manifests';

/** The packages we publish, by workspace folder. */
export const PUBLISHED = {
  '@graflow/core': 'packages/core',
  '@graflow/store': 'packages/store',
  '@graflow/worker': 'apps/worker',
  '@graflow/board': 'apps/board',
} as const;
export type PublishedName = keyof typeof PUBLISHED;
export const PUBLISHED_NAMES = Object.keys(PUBLISHED) as PublishedName[];

export interface Tarball {
  name: PublishedName;
  version: string;
  /** Absolute path of the .tgz. */
  path: string;
  /** Paths inside the package, as `npm pack --json` lists them. */
  files: string[];
}

/** The repository's own pins, so a test app installs the TypeScript the repository builds with. */
export const rootDevVersion = (name: string): string => {
  const root = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8'));
  return root.devDependencies[name];
};

/**
 * The environment for npm in a folder of its own: without the `npm_*` variables an outer
 * `npm run`/`npx` sets (workspace, prefix, ...), which would point npm back at the repository.
 */
export function isolatedNpmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; `check` (the default) turns a non-zero exit into an error with the output. */
export async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; check?: boolean; timeoutMs?: number },
): Promise<RunResult> {
  // A hung npm (registry) is killed rather than left behind when the test gives up.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? isolatedNpmEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 10 * 60_000,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0 && options.check !== false) {
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited ${code} in ${options.cwd}:\n${tail}`);
  }
  return { code, stdout, stderr };
}

export const npm = (args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<RunResult> => run('npm', args, { cwd, env: isolatedNpmEnv(env) });

/** `npm pack` of the four published workspaces into `dest` (their `dist/` must be built). */
export async function packPublished(dest: string): Promise<Record<PublishedName, Tarball>> {
  mkdirSync(dest, { recursive: true });
  const workspaces = PUBLISHED_NAMES.flatMap((name) => ['--workspace', name]);
  // From the repository root, with the outer npm environment kept out of it.
  const { stdout } = await npm(['pack', '--json', '--pack-destination', dest, ...workspaces], REPO_DIR);
  const packed = JSON.parse(stdout) as { name: PublishedName; version: string; filename: string; files: { path: string }[] }[];
  return Object.fromEntries(
    packed.map((p) => [p.name, { name: p.name, version: p.version, path: join(dest, p.filename), files: p.files.map((f) => f.path) }]),
  ) as Record<PublishedName, Tarball>;
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

/** A long-running child (an installed worker), output captured, stopped by its own PID. */
export class Child {
  stdout = '';
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly child: ChildProcess;
  private readonly closed: Promise<void>;

  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.closed = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  logs(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  }

  async waitForLog(msg: string, timeoutMs = 30_000): Promise<LogLine> {
    return await waitFor(
      () => {
        const line = this.logs().find((l) => l.msg === msg);
        if (!line && this.exit) throw new Error(`exited ${JSON.stringify(this.exit)} before logging "${msg}":\n${this.stdout}${this.stderr}`);
        return line;
      },
      { timeoutMs, what: `log line "${msg}" of pid ${this.pid}` },
    );
  }

  /** Waits for the child to exit on its own (no signal sent); fails after `timeoutMs`. */
  async waitForExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await waitFor(() => this.exit, { timeoutMs, what: `exit of pid ${this.pid}` });
    await this.closed;
    return this.exit!;
  }

  /** SIGTERM, then waits for the exit; SIGKILL if it is still running after `timeoutMs`. */
  async stop(timeoutMs = 40_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exit) {
      this.child.kill('SIGTERM');
      try {
        await waitFor(() => this.exit, { timeoutMs, what: `exit of pid ${this.pid} after SIGTERM` });
      } catch (err) {
        this.child.kill('SIGKILL');
        await this.closed;
        throw err;
      }
    }
    await this.closed;
    return this.exit!;
  }
}
