import { constants } from 'node:os';
import { waitFor } from '@graflow/testing';
import { installShutdownHandlers, type ShutdownHandle } from '../src/cli/shutdown';
import { createJsonLogger } from '../src/logging/json-logger';
import { FakeWorker } from './fixtures/fake-worker';

// The handlers listen on a signal nobody sends this process; the tests deliver it with process.emit.
const SIGNAL = 'SIGUSR2';
const deliver = () => process.emit(SIGNAL, SIGNAL);

describe('signal handling (in process)', () => {
  let handle: ShutdownHandle | undefined;
  afterEach(() => handle?.dispose());

  function install(worker: Pick<FakeWorker, 'stop' | 'forceStop'>, extra: { hangGraceMs?: number; afterStop?: () => Promise<void> } = {}) {
    const exits: number[] = [];
    const lines: string[] = [];
    handle = installShutdownHandlers({
      target: worker,
      timeoutMs: 50,
      logger: createJsonLogger({ write: (l) => lines.push(l) }),
      exit: (code) => exits.push(code),
      signals: [SIGNAL],
      forceGraceMs: 50,
      ...extra,
    });
    return { exits, lines };
  }

  it('stops with the timeout, runs afterStop, and exits 0 when the stop is clean', async () => {
    const worker = new FakeWorker();
    const order: string[] = [];
    const { exits } = install(worker, { afterStop: async () => void order.push('afterStop') });
    deliver();
    expect(handle!.shuttingDown).toBe(true);
    await waitFor(() => exits.length === 1);
    expect(worker.calls).toEqual(['stop:50']);
    expect(order).toEqual(['afterStop']);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when the stop passed its deadline', async () => {
    const worker = new FakeWorker();
    worker.stopResult = { clean: false };
    const { exits, lines } = install(worker);
    deliver();
    await waitFor(() => exits.length === 1);
    expect(exits).toEqual([1]);
    expect(lines.some((l) => l.includes('deadline passed'))).toBe(true);
  });

  it('a second signal force-stops and exits 128 + the signal number', async () => {
    const worker = new FakeWorker();
    worker.stop = () => new Promise(() => undefined); // never finishes
    const { exits } = install(worker, { hangGraceMs: 60_000 });
    deliver();
    deliver();
    await waitFor(() => exits.length === 1);
    expect(worker.calls).toEqual(['forceStop']);
    expect(exits).toEqual([128 + constants.signals.SIGUSR2]);
  });

  it('exits 1 on its own when stop() hangs past the deadline plus the grace', async () => {
    const worker = new FakeWorker();
    worker.stop = () => new Promise(() => undefined);
    const { exits, lines } = install(worker, { hangGraceMs: 20 });
    deliver();
    await waitFor(() => exits.length === 1);
    expect(exits).toEqual([1]);
    expect(lines.some((l) => l.includes('stop did not return'))).toBe(true);
  });
});
