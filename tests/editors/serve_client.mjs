// A client of `nodehost serve` for the tests: sends requests, gathers the reply lines of each
// request id, and resolves when its last line ("done" or "result") arrives.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

export function startServe(nodehost, plugin, env = {}) {
  const proc = spawn(nodehost, ['serve', plugin], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map(); // id -> {lines, resolve}
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
    if (msg.type === 'done' || msg.type === 'result' || msg.type === 'rejected') {
      waiting.delete(JSON.stringify(msg.id));
      w.resolve(w.lines);
    }
  });
  const exited = new Promise((r) => proc.on('exit', (code) => r(code)));
  return {
    // Resolves with every reply line of this request, up to its last.
    send(request) {
      return new Promise((resolve) => {
        waiting.set(JSON.stringify(request.id ?? null), { lines: [], resolve });
        proc.stdin.write(JSON.stringify(request) + '\n');
      });
    },
    raw: (text) => proc.stdin.write(text),
    end: () => proc.stdin.end(),
    exited,
    all,
    stderr: () => stderr,
    proc,
  };
}
