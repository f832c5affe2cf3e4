#!/usr/bin/env node
// Init container of the Kubernetes manifests: waits until Redis accepts TCP connections, then
// exits 0, so the worker (which exits when Redis is unreachable at start) starts after Redis
// instead of crash-looping beside it. Reads the worker's own variables: REDIS_URL, or REDIS_HOST
// and REDIS_PORT. No deadline: Kubernetes shows the pod as Init:0/1 while this waits, and the
// log says what for. Writes JSON lines like the worker.
'use strict';
const net = require('node:net');

const RETRY_MS = 2000;
// The same message at most every 30 s; a new one (a different error) at once.
const REPEAT_MS = 30000;

function target(env) {
  if (env.REDIS_URL) {
    const url = new URL(env.REDIS_URL);
    return { host: url.hostname, port: Number(url.port || 6379) };
  }
  return { host: env.REDIS_HOST || '127.0.0.1', port: Number(env.REDIS_PORT || 6379) };
}

function log(level, msg, fields) {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields })}\n`);
}

let host;
let port;
try {
  ({ host, port } = target(process.env));
} catch {
  log('error', `invalid REDIS_URL ${JSON.stringify(process.env.REDIS_URL)}: expected redis://host:port or rediss://host:port`, {});
  process.exit(2);
}
let lastMessage = '';
let lastLogged = 0;

function attempt() {
  const socket = net.connect({ host, port });
  socket.setTimeout(RETRY_MS);
  const retry = (reason) => {
    socket.destroy();
    const message = `waiting for Redis at ${host}:${port}: ${reason}`;
    if (message !== lastMessage || Date.now() - lastLogged >= REPEAT_MS) {
      log('info', message, { host, port });
      lastMessage = message;
      lastLogged = Date.now();
    }
    setTimeout(attempt, RETRY_MS);
  };
  socket.once('connect', () => {
    socket.end();
    log('info', `Redis at ${host}:${port} accepts connections`, { host, port });
    process.exit(0);
  });
  socket.once('timeout', () => retry(`no answer within ${RETRY_MS} ms`));
  socket.once('error', (err) => retry(err.code || err.message));
}

attempt();
