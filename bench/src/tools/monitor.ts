import { createConnection, type Socket } from 'node:net';

/** One command Redis ran, as MONITOR reports it. */
export interface MonitoredCommand {
  /** `lua` for commands a script ran, else the client's address. */
  source: string;
  command: string;
}

/**
 * Counts what Redis runs, through MONITOR on a raw socket (no client library in between), so a
 * tool can tell client calls (what came over a connection) from commands run inside scripts.
 */
export class RedisMonitor {
  private readonly socket: Socket;
  private buffer = '';
  readonly commands: MonitoredCommand[] = [];
  private started = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.feed(chunk));
  }

  static async open(host: string, port: number): Promise<RedisMonitor> {
    const socket = createConnection({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const monitor = new RedisMonitor(socket);
    socket.write('MONITOR\r\n');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (monitor.started) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    return monitor;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 2);
      if (line === '+OK') {
        this.started = true;
        continue;
      }
      // +1700000000.123456 [0 127.0.0.1:54321] "EVALSHA" "abc" ...   or   [0 lua] "HSET" ...
      const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (m) this.commands.push({ source: m[1]!, command: m[2]!.toUpperCase() });
    }
  }

  /** Forgets what was seen so far. */
  reset(): void {
    this.commands.length = 0;
  }

  summary(): { clientCalls: number; scriptCommands: number; total: number; byCommand: Record<string, number> } {
    const byCommand: Record<string, number> = {};
    let scriptCommands = 0;
    for (const c of this.commands) {
      if (c.source === 'lua') scriptCommands++;
      const key = c.source === 'lua' ? `lua:${c.command}` : c.command;
      byCommand[key] = (byCommand[key] ?? 0) + 1;
    }
    return { clientCalls: this.commands.length - scriptCommands, scriptCommands, total: this.commands.length, byCommand };
  }

  close(): void {
    this.socket.destroy();
  }
}
