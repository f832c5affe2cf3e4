#!/usr/bin/env node
/**
 * `graflow-board`: serves Bull Board for one Graflow key prefix until SIGTERM or SIGINT, logging
 * JSON lines with the worker's logger. Exit codes (the worker's): 0 after a clean stop, 1 when
 * Redis cannot be reached or the port is taken, 2 for a bad argument (the message names the flag,
 * or the variable, and the value).
 */
import { createJsonLogger, ExitCode } from '@graflow/worker';
import { parseBoardArgs, type BoardCommand } from './cli';
import { BoardOptionError } from './options';
import { startBoard } from './server';

async function main(): Promise<number> {
  let command: BoardCommand;
  try {
    command = await parseBoardArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BoardOptionError) {
      process.stderr.write(`graflow-board: ${err.message}\nRun graflow-board --help for the options.\n`);
      return ExitCode.usage;
    }
    throw err;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${command.text}\n`);
    return ExitCode.ok;
  }
  const logger = createJsonLogger({ level: command.logLevel });
  const { keyPrefix } = command.options;
  let board;
  try {
    board = await startBoard({ ...command.options, logger });
  } catch (err) {
    logger.error('board failed to start', { keyPrefix, error: oneLine(err) });
    return ExitCode.failure;
  }
  logger.info('board listening', { url: board.url, keyPrefix, queues: board.queues() });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info('board stopping', { signal });
  await board.close();
  return ExitCode.ok;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0]!.trim();
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level: 'error', msg: oneLine(err) })}\n`);
    process.exitCode = ExitCode.failure;
  },
);
