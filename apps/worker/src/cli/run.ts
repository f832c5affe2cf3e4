import { createJsonLogger } from '../logging/json-logger';
import { CliUsageError, ExitCode, StartupError, firstLine } from './errors';
import { parseWorkerCli, type CliProgram } from './options';
import { startExporter } from './start-exporter';
import { startWorker, type WorkerDeps } from './start-worker';

/**
 * Runs `graflow-worker` or `graflow-exporter`. Resolves with an exit code when the program is
 * done at once (help, bad usage, failed start-up), or with `null` once the service runs; its
 * signal handlers then own the exit.
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  program: CliProgram,
  deps?: WorkerDeps,
): Promise<number | null> {
  let parsed;
  try {
    parsed = await parseWorkerCli(argv, env, program);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    process.stderr.write(`${program.scriptName}: ${err.message} (see --help)\n`);
    return ExitCode.usage;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
    return ExitCode.ok;
  }
  const { options } = parsed;
  const logger = createJsonLogger({ level: options.logLevel, workerId: options.workerId });
  try {
    if (options.mode === 'exporter') await startExporter(options, logger);
    else if (deps) await startWorker(options, logger, deps);
    else throw new StartupError(`${program.scriptName} only serves the exporter; run graflow-worker to execute tasks`);
    return null;
  } catch (err) {
    logger.error(err instanceof StartupError ? err.message : `start-up failed: ${firstLine(err)}`);
    return ExitCode.failure;
  }
}

/** Entry point of the bins: runs the CLI on this process and exits when it is done. */
export function main(program: CliProgram, deps?: WorkerDeps): void {
  runCli(process.argv.slice(2), process.env, program, deps).then(
    (code) => {
      if (code !== null) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${program.scriptName}: ${firstLine(err)}\n`);
      process.exit(ExitCode.failure);
    },
  );
}
