import { GraflowError } from './graflow-error';

/** Two different functions were registered under one task id. */
export class DuplicateTaskError extends GraflowError {
  static override readonly errorName: string = 'DuplicateTaskError';

  constructor(readonly taskId: string) {
    super(
      'DUPLICATE_TASK',
      `task id '${taskId}' is already registered with a different function; task ids must be unique per process ` +
        '(a module loaded twice, e.g. through both require and import, defines its tasks twice; call unregisterTask(id) first to replace one on purpose)',
    );
  }
}

/** The graph is malformed: empty group, duplicate node id, unknown start node, ... */
export class GraphDefinitionError extends GraflowError {
  static override readonly errorName: string = 'GraphDefinitionError';

  constructor(message: string, readonly nodeId?: string) {
    super('INVALID_GRAPH', message);
  }
}

/** An option had a value it cannot take; names the option and the value. */
export class InvalidOptionError extends GraflowError {
  static override readonly errorName: string = 'InvalidOptionError';

  constructor(readonly option: string, readonly value: unknown, expected: string) {
    super('INVALID_OPTION', `invalid option ${option}: got ${describe(value)}, expected ${expected}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
