#!/usr/bin/env node
/**
 * `graflow-board`: serves Bull Board for one Graflow key prefix until SIGTERM or SIGINT.
 * Exit codes: 0 after a clean stop, 1 when Redis cannot be reached or the port is taken,
 * 2 for a bad argument (the message names the flag and the value).
 */
import { BoardOptionError, parseBoardArgs } from './options';
import { createBoardServer } from './server';

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  (level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}

async function main(): Promise<number> {
  let command;
  try {
    command = await parseBoardArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BoardOptionError) {
      process.stderr.write(`graflow-board: ${err.message}\nRun graflow-board --help for the options.\n`);
      return 2;
    }
    throw err;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${command.text}\n`);
    return 0;
  }
  const board = await createBoardServer(command.options);
  log('info', 'board listening', { url: board.url, keyPrefix: board.options.keyPrefix });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log('info', 'board stopping', { signal });
  await board.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log('error', err instanceof Error ? err.message : String(err), { error: err instanceof Error ? err.name : 'Error' });
    process.exitCode = 1;
  },
);
