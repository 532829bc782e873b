// The package's one `nodehost serve` process, shared by every execution of this n8n process
// (so the plugin keeps one token per PBX client). Requests go in as JSON Lines on its stdin;
// credentials travel only there, never on a command line. The process does not keep n8n
// alive: it is referenced only while requests are pending.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const host = require('./host.json');

let current = null;

function hostPaths() {
  // An install elsewhere names its own nodehost and plugin.
  return {
    nodehost: process.env.WFNODE_NODEHOST || path.resolve(__dirname, host.nodehost),
    plugin: process.env.WFNODE_PLUGIN || path.resolve(__dirname, host.plugin),
  };
}

function start() {
  const { nodehost, plugin } = hostPaths();
  const proc = spawn(nodehost, ['serve', plugin], { stdio: ['pipe', 'pipe', 'pipe'] });
  const server = { proc, pending: new Map(), next: 1, stderr: '', dead: false };
  proc.stderr.on('data', (d) => (server.stderr = (server.stderr + d).slice(-4000)));
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    const p = server.pending.get(msg.id);
    if (!p) return;
    p.onLine(msg);
    if (msg.type === 'done' || msg.type === 'result' || msg.type === 'rejected') {
      server.pending.delete(msg.id);
      idle(server);
      p.resolve(msg);
    }
  });
  const fail = (why) => {
    server.dead = true;
    for (const p of server.pending.values()) p.reject(new Error(`nodehost serve ${why}: ${server.stderr.trim()}`));
    server.pending.clear();
    if (current === server) current = null;
  };
  proc.on('error', (e) => fail(`could not start (${e.message})`));
  proc.on('exit', (code, signal) => fail(`ended (${signal || code})`));
  proc.stdin.on('error', () => {});
  idle(server);
  return server;
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
  if (!current || current.dead) current = start();
  const server = current;
  const id = `r${server.next++}`;
  return {
    id,
    done: new Promise((resolve, reject) => {
      server.pending.set(id, { onLine, resolve, reject });
      idle(server);
      server.proc.stdin.write(JSON.stringify({ ...body, id }) + '\n');
    }),
    cancel: () => {
      if (!server.dead) server.proc.stdin.write(JSON.stringify({ id: `${id}-cancel`, op: 'cancel', execution: id }) + '\n');
    },
  };
}

module.exports = { request };
