import { createJsonLogger, type LogLevel } from '../src/logging/json-logger';

function capture(level?: LogLevel) {
  const lines: string[] = [];
  const logger = createJsonLogger({ level, workerId: 'w1', write: (line) => lines.push(line), now: () => new Date(0) });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), lines };
}

describe('JSON logger', () => {
  it('writes one JSON object per line with ts, level, msg, workerId and the fields', () => {
    const { logger, lines, records } = capture();
    logger.info('task finished', { runId: 'r1', groupId: 'g1', taskId: 't1', durationMs: 12 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(Object.keys(records()[0]!)).toEqual(['ts', 'level', 'msg', 'workerId', 'runId', 'groupId', 'taskId', 'durationMs']);
    expect(records()[0]).toEqual({
      ts: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'task finished', workerId: 'w1', runId: 'r1', groupId: 'g1', taskId: 't1', durationMs: 12,
    });
  });

  it('filters by level', () => {
    const { logger, records } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(records().map((r) => r.level)).toEqual(['warn', 'error']);
    const silent = capture('silent');
    silent.logger.error('nothing');
    expect(silent.lines).toHaveLength(0);
  });

  it('keeps the fixed keys and reduces errors to name and message (stack at debug)', () => {
    const { logger, records } = capture();
    logger.error('failed', { level: 'spoofed', msg: 'spoofed', err: new TypeError('boom'), big: 10n });
    expect(records()[0]).toEqual({
      ts: '1970-01-01T00:00:00.000Z', level: 'error', msg: 'failed', workerId: 'w1', err: { name: 'TypeError', message: 'boom' }, big: '10',
    });
    const debug = capture('debug');
    debug.logger.error('failed', { err: new Error('boom') });
    expect((debug.records()[0]!.err as { stack: string }).stack).toContain('boom');
  });
});
