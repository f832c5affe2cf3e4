import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StartupError, firstLine } from './errors';

/** A specifier that names a file rather than a package. */
function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || /\.(c|m)?js$/.test(spec);
}

/**
 * Where `spec` points, as a URL `import()` accepts: a path is taken relative to `cwd`, and a
 * package name is resolved from `cwd` (not from this file), as the user's own code would see it.
 */
export function resolveTaskModule(spec: string, cwd: string): string {
  if (isPathSpecifier(spec)) return pathToFileURL(resolve(cwd, spec)).href;
  try {
    return pathToFileURL(createRequire(join(cwd, 'noop.js')).resolve(spec)).href;
  } catch {
    // An ESM-only package has no "require" export condition; let import() resolve it.
    return spec;
  }
}

/**
 * Loads the user's task modules with a real dynamic `import()` (this package compiles to CommonJS
 * with `module: Node16`, which keeps `import()`), so ESM and CommonJS modules both work. Loading
 * them registers their tasks in `@graflow/core`'s process-wide registry. The first failure throws
 * a one-line `StartupError` that names the module.
 */
export async function loadTaskModules(specs: readonly string[], cwd = process.cwd()): Promise<void> {
  for (const spec of specs) {
    try {
      await import(resolveTaskModule(spec, cwd));
    } catch (err) {
      throw new StartupError(`cannot load task module "${spec}": ${firstLine(err)}`);
    }
  }
}
