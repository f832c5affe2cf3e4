/**
 * Repeats Dockerfile stages on this machine, without Docker. The instructions that shape an
 * image's file system and process (WORKDIR, COPY, RUN, ENV, ENTRYPOINT, CMD) run against host
 * folders that stand for the container's paths; USER, EXPOSE, STOPSIGNAL, HEALTHCHECK, ARG and
 * LABEL are recorded or ignored. Anything else is refused, so a Dockerfile change the emulation
 * cannot follow fails the test instead of being skipped. Ownership (`--chown`) is not emulated.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, posix } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { isolatedNpmEnv } from './packing';

export interface Stage {
  name?: string;
  from: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, in order, with `${ARG}` defaults expanded in FROM. */
export function readStages(path: string): Stage[] {
  const dockerfile = DockerfileParser.parse(readFileSync(path, 'utf8'));
  const args = new Map(dockerfile.getInitialARGs().flatMap((a) => a.getProperties().map((p) => [p.getName(), p.getValue() ?? ''] as const)));
  const froms = dockerfile.getFROMs();
  const all = dockerfile.getInstructions();
  return froms.map((from, i) => {
    const start = from.getRange().start.line;
    const end = i + 1 < froms.length ? froms[i + 1].getRange().start.line : Infinity;
    return {
      name: from.getBuildStage() ?? undefined,
      from: (from.getImageName() ?? '').replace(/\$\{(\w+)\}/g, (_m, n: string) => args.get(n) ?? '') + (from.getImageTag() ? `:${from.getImageTag()}` : ''),
      instructions: all.filter((ins) => ins.getRange().start.line > start && ins.getRange().start.line < end),
    };
  });
}

export const stageNamed = (stages: Stage[], name: string): Stage => {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage "${name}"`);
  return stage;
};

/** What an emulated image hands to a container: its environment, working directory and command. */
export interface EmulatedImage {
  env: Record<string, string>;
  /** Container path. */
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  user?: string;
}

export const EMPTY_IMAGE: EmulatedImage = { env: {}, workdir: '/', entrypoint: [], cmd: [] };

export interface EmulatorOptions {
  /** Container path prefix → host folder, e.g. `{ '/app': '/tmp/x/app' }`. */
  paths: Record<string, string>;
  /** Host folder that COPY sources (without --from) are relative to: the build context. */
  context: string;
}

/** Container paths in `text` rewritten to their host folders. */
export function hostPaths(text: string, paths: Record<string, string>): string {
  const prefixes = Object.keys(paths).sort((a, b) => b.length - a.length);
  return prefixes.reduce(
    (out, prefix) => out.replace(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?=/|$|[^\\w.-])`, 'g'), paths[prefix]),
    text,
  );
}

function hostPath(containerPath: string, paths: Record<string, string>): string {
  const mapped = hostPaths(containerPath, paths);
  if (mapped === containerPath) throw new Error(`no host folder stands for ${containerPath}`);
  return mapped;
}

const flagsOf = (ins: Instruction): Map<string, string | null> =>
  new Map(('getFlags' in ins ? (ins as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags() : []).map((f) => [f.getName(), f.getValue()]));

function copy(ins: Instruction, image: EmulatedImage, options: EmulatorOptions): void {
  const args = ins.getArguments().map((a) => a.getValue());
  const rawDest = args.pop()!;
  const dest = posix.resolve(image.workdir, rawDest);
  const from = flagsOf(ins).get('from');
  for (const src of args) {
    const hostSrc = from ? hostPath(src, options.paths) : join(options.context, src);
    const hostDest = hostPath(dest, options.paths);
    if (!existsSync(hostSrc)) throw new Error(`COPY ${src}: ${hostSrc} does not exist`);
    if (hostSrc.replace(/\/$/, '') === hostDest.replace(/\/$/, '')) continue; // the same folder stands for both
    const intoDir = statSync(hostSrc).isFile() && (rawDest.endsWith('/') || args.length > 1);
    mkdirSync(intoDir ? hostDest : join(hostDest, '..'), { recursive: true });
    cpSync(hostSrc, intoDir ? join(hostDest, basename(hostSrc)) : hostDest, { recursive: true });
  }
}

function runShell(ins: Instruction, image: EmulatedImage, options: EmulatorOptions): void {
  const command = hostPaths(ins.getArguments().map((a) => a.getValue()).join(' '), options.paths);
  const env = Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, hostPaths(v, options.paths)]));
  const r = spawnSync('sh', ['-c', command], { cwd: hostPath(image.workdir, options.paths), env: isolatedNpmEnv(env), encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`RUN ${command} exited ${r.status ?? r.signal}:\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n')}`);
}

// An npm install from the registry is the slowest step; a hung one must not hang the suite.
const RUN_TIMEOUT_MS = 10 * 60_000;

const jsonArgs = (ins: Instruction): string[] => JSON.parse(ins.getArgumentsContent() ?? '[]') as string[];

/** Applies one stage on top of `base`; returns the image it leaves. */
export function emulateStage(stage: Stage, base: EmulatedImage, options: EmulatorOptions): EmulatedImage {
  const image: EmulatedImage = { ...base, env: { ...base.env } };
  for (const ins of stage.instructions) {
    const keyword = ins.getKeyword();
    switch (keyword) {
      case 'ENV':
        for (const p of (ins as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties()) image.env[p.getName()] = p.getValue() ?? '';
        break;
      case 'WORKDIR': {
        const dir = ins.getArgumentsContent()!;
        image.workdir = isAbsolute(dir) ? dir : posix.resolve(image.workdir, dir);
        mkdirSync(hostPath(image.workdir, options.paths), { recursive: true });
        break;
      }
      case 'COPY':
        copy(ins, image, options);
        break;
      case 'RUN':
        runShell(ins, image, options);
        break;
      case 'ENTRYPOINT':
        image.entrypoint = jsonArgs(ins);
        image.cmd = [];
        break;
      case 'CMD':
        image.cmd = jsonArgs(ins);
        break;
      case 'USER':
        image.user = ins.getArgumentsContent() ?? undefined;
        break;
      case 'ARG':
      case 'LABEL':
      case 'EXPOSE':
      case 'STOPSIGNAL':
      case 'HEALTHCHECK':
        break;
      default:
        throw new Error(`cannot emulate ${keyword} (line ${ins.getRange().start.line + 1})`);
    }
  }
  return image;
}

/** The argv and environment a container of `image` starts with, in host paths. */
export function containerCommand(image: EmulatedImage, options: EmulatorOptions): { argv: string[]; cwd: string; env: Record<string, string> } {
  const argv = [...image.entrypoint, ...image.cmd].map((a) => hostPaths(a, options.paths));
  if (argv[0] === 'node') argv[0] = process.execPath;
  const env = Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, hostPaths(v, options.paths)]));
  return { argv, cwd: hostPath(image.workdir, options.paths), env };
}
