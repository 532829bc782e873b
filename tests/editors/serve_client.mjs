// A client of `nodehost serve` for the tests: sends requests, gathers the reply lines of each
// request id, and resolves when its last line arrives ("done" or "rejected" for an execute;
// "result", "error" or "rejected" for the others).
import { spawn } from 'node:child_process';
import readline from 'node:readline';

export function startServe(nodehost, plugin, env = {}) {
  const proc = spawn(nodehost, ['serve', plugin], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map(); // id -> {op, lines, resolve}
  const all = [];
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    if (process.env.SERVE_DEBUG) console.error(line.slice(0, 200));
    all.push(line);
    const msg = JSON.parse(line);
    const w = waiting.get(JSON.stringify(msg.id));
    if (!w) return;
    w.lines.push(msg);
    const last = msg.type === 'rejected' || (w.op === 'execute' ? msg.type === 'done' : msg.type === 'result' || msg.type === 'error');
    if (last) {
      waiting.delete(JSON.stringify(msg.id));
      w.resolve(w.lines);
    }
  });
  const ended = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  // Resolves with every reply line under `id`, up to the last for a request of `op`.
  const expect = (id, op) => new Promise((resolve) => waiting.set(JSON.stringify(id), { op, lines: [], resolve }));
  // The same for the request written as `text` (a string or bytes, perhaps a line the JSON
  // policy refuses) and a newline.
  const sendLine = (text, id, op) => {
    const replies = expect(id, op);
    proc.stdin.write(text);
    proc.stdin.write('\n');
    return replies;
  };
  return {
    send: (request) => sendLine(JSON.stringify(request), request.id ?? null, request.op),
    sendLine,
    expect,
    raw: (text) => proc.stdin.write(text),
    end: () => proc.stdin.end(),
    exited: ended.then((e) => e.code),
    ended, // {code, signal}
    all,
    stderr: () => stderr,
    proc,
  };
}

// `promise`, or a failure naming `what` if it has not settled within `ms`: a test of something
// that used to wait for ever fails instead of hanging.
export function within(promise, what, ms = 20000) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
