// The package's one `nodehost serve` process, shared by every execution of this n8n process
// (so the plugin keeps one token per PBX client). Requests go in as JSON Lines on its stdin;
// credentials travel only there, never on a command line. The process does not keep n8n
// alive: it is referenced only while requests are pending. No request waits for ever: the
// process ending, or a reply that names no request, fails what is pending.
'use strict';
const { spawn } = require('node:child_process');
const readline = require('node:readline');

const { locateHost, forgetHost } = require('./host.js');

let current = null;

// The reply types that end a request: an execution streams items and errors up to its
// "done"; any other request has one reply, an options call's failure being an "error".
function isLast(op, type) {
  if (type === 'rejected') return true;
  return op === 'execute' ? type === 'done' : type === 'result' || type === 'error';
}

function start() {
  const { nodehost, plugin } = locateHost(); // throws, saying what to install
  const proc = spawn(nodehost, ['serve', plugin], { stdio: ['pipe', 'pipe', 'pipe'], env: withTokenStore(process.env) });
  const server = { proc, pending: new Map(), next: 1, stderr: '', dead: false };
  proc.stderr.on('data', (d) => (server.stderr = (server.stderr + d).slice(-4000)));
  const failPending = (error) => {
    for (const [id, p] of server.pending) {
      if (p.op === 'execute' && !server.dead) send(server, { id: `${id}-cancel`, op: 'cancel', execution: id });
      p.reject(error);
    }
    server.pending.clear();
    idle(server);
  };
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = null;
    }
    if (!msg || typeof msg !== 'object' || msg.id === null || msg.id === undefined) {
      // nodehost could not read a request's id: which request this answers is unknown, so
      // every pending one fails rather than one waiting for a reply that will never come.
      const why = msg && msg.error && msg.error.message ? msg.error.message : `an unreadable reply: ${line.slice(0, 200)}`;
      failPending(new Error(`nodehost serve answered a request it could not identify: ${why}`));
      return;
    }
    const p = server.pending.get(msg.id);
    if (!p) return; // a late line of a request already given up
    p.onLine(msg);
    if (isLast(p.op, msg.type)) {
      server.pending.delete(msg.id);
      idle(server);
      p.resolve(msg);
    }
  });
  const fail = (why) => {
    if (server.dead) return;
    server.dead = true;
    if (current === server) current = null;
    const stderr = server.stderr.trim();
    failPending(new Error(`nodehost serve ${why}${stderr ? `; it said: ${stderr}` : ''}`));
  };
  proc.on('error', (e) => {
    forgetHost(); // looked for again by the next request: it may have moved
    fail(`could not start (${e.message})`);
  });
  // 'close' comes after the last line of stdout has been read, so every reply it sent counts.
  proc.on('close', (code, signal) => fail(`ended (${signal || `exit status ${code}`}) with requests pending`));
  proc.stdin.on('error', () => {}); // the process is gone: 'close' fails what is pending
  idle(server);
  return server;
}

function send(server, body) {
  server.proc.stdin.write(JSON.stringify(body) + '\n');
}

// Referenced while requests are pending, so n8n neither waits for an idle server nor exits
// under a running one.
function idle(server) {
  const method = server.pending.size ? 'ref' : 'unref';
  server.proc[method]();
  for (const s of [server.proc.stdin, server.proc.stdout, server.proc.stderr]) if (s && s[method]) s[method]();
}

// Sends `request` (an id is added); onLine sees every reply line; resolves with the last.
function request(body, onLine = () => {}) {
  // A process that has exited, even if its last output is still being read, takes no more.
  if (!current || current.dead || current.proc.exitCode !== null || current.proc.signalCode !== null) {
    try {
      current = start();
    } catch (e) {
      return { id: null, done: Promise.reject(e), cancel: () => {} };
    }
  }
  const server = current;
  const id = `r${server.next++}`;
  return {
    id,
    done: new Promise((resolve, reject) => {
      server.pending.set(id, { op: body.op, onLine, resolve, reject });
      idle(server);
      // The id first: nodehost names it even in the refusal of a line it cannot read whole.
      send(server, { id, ...body });
    }),
    cancel: () => {
      if (!server.dead) send(server, { id: `${id}-cancel`, op: 'cancel', execution: id });
    },
  };
}

// In queue mode every worker runs its own nodehost, on any machine, and 3CX keeps one token
// per API client: they share it through the Redis that queue mode already runs (nodehost's
// redis token store), unless WFNODE_TOKEN_STORE names another store or "off" (each process
// then keeps its own, in the per-user file cache). The password goes by environment only.
function withTokenStore(env) {
  const out = { ...env };
  if (out.WFNODE_TOKEN_STORE === 'off') {
    delete out.WFNODE_TOKEN_STORE;
    return out;
  }
  if (out.WFNODE_TOKEN_STORE || out.EXECUTIONS_MODE !== 'queue') return out;
  const host = out.QUEUE_BULL_REDIS_HOST || 'localhost';
  const port = out.QUEUE_BULL_REDIS_PORT || '6379';
  const db = out.QUEUE_BULL_REDIS_DB || '0';
  out.WFNODE_TOKEN_STORE = `redis://${host.includes(':') ? `[${host}]` : host}:${port}/${db}`;
  if (out.QUEUE_BULL_REDIS_PASSWORD && !out.WFNODE_TOKEN_STORE_PASSWORD) out.WFNODE_TOKEN_STORE_PASSWORD = out.QUEUE_BULL_REDIS_PASSWORD;
  return out;
}

module.exports = { request, withTokenStore };
