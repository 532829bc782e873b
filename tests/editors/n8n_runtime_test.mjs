// The generated n8n package's runtime (editors/n8n/runtime/) over a real `nodehost serve`
// and the emulator, when things go wrong: an item the JSON policy refuses, a failed options
// call, serve ending mid-execution, and a host whose reply names no request. None of them may
// leave a node waiting for ever; each must fail with an error that says what happened.
// The package is generated here (generate.mjs) and its node classes are called as n8n calls
// them, with the few calls of n8n's execution context that the runtime uses; the whole
// package inside n8n itself is n8n_test.mjs.
// Usage: node n8n_runtime_test.mjs NODEHOST PLUGIN EMULATOR
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './emulator.mjs';
import { within } from './serve_client.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [nodehost, plugin, emulatorBin] = process.argv.slice(2);
const emu = await startEmulator(emulatorBin, ['--chats', '3000']);
process.env.XDG_CACHE_HOME = path.join(emu.dir, 'cache');
const require = createRequire(import.meta.url);
const generate = (dir) =>
  execFileSync(process.execPath, [path.join(here, '../../editors/n8n/generate.mjs'), nodehost, plugin, '0.0.0-test', dir]);
const downloadNode = (dir) => {
  const { ThreecxDownloadChatHistory } = require(path.join(dir, 'dist/nodes/ThreecxDownloadChatHistory/ThreecxDownloadChatHistory.node.js'));
  return new ThreecxDownloadChatHistory();
};
const packageDir = path.join(emu.dir, 'package');
generate(packageDir);
const node = downloadNode(packageDir);
const creds = emu.credentials;

// What n8n hands a node's execute() and loadOptions methods, as far as the runtime asks.
const context = (jsons, parameters, credentials = creds) => ({
  getInputData: () => jsons.map((json) => ({ json })),
  getNodeParameter: (name, i, fallback) => (name in parameters[i] ? parameters[i][name] : fallback),
  continueOnFail: () => false,
  getCredentials: async () => credentials,
  getNode: () => ({ name: 'Download', type: node.description.name }),
});
const execute = (jsons, parameters) => node.execute.call(context(jsons, parameters));
const utcTop = (top) => ({ clientTimeZone: 'UTC', options: { top } });
// The nodehost processes this one started, by /proc (the runtime does not expose its child).
const servePids = () =>
  fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      return stat.includes('(nodehost)') && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
    } catch {
      return false;
    }
  }).map(Number);
const faults = (body) => fetch(`${emu.base}/admin/faults`, { method: 'POST', body: JSON.stringify(body) });
const exportStarted = () =>
  within((async () => {
    while (!(await emu.requests()).some((t) => t.includes('DownloadChatHistory'))) await new Promise((r) => setTimeout(r, 20));
  })(), 'the export reaching the PBX');

const cases = [];
const test = (name, run) => cases.push([name, run]);

test('items come back paired with their input item', async () => {
  const [out] = await within(execute([{ a: 1 }, { a: 2 }], [utcTop(2), utcTop(1)]), 'execute');
  assert.deepEqual(out.map((i) => i.pairedItem.item), [0, 0, 1]);
  assert.ok(out.every((i) => typeof i.json.ConversationId === 'number'));
});

test('an item nested 70 levels deep fails the node, naming the limit', async () => {
  let deep = {};
  for (let i = 0; i < 70; i++) deep = { deep };
  await assert.rejects(within(execute([deep], [utcTop(1)]), 'execute of a 70-level item'), /nested deeper than 64 levels/);
});

test('an item holding a NUL fails the node, naming it', async () => {
  await assert.rejects(within(execute([{ text: 'a\u0000b' }], [utcTop(1)]), 'execute of an item with a NUL'), /a string holds a NUL character/);
});

test('a failed options call reaches the editor as an error, not as no choices', async () => {
  const timeZones = node.methods.loadOptions.timeZones;
  const good = await within(timeZones.call(context([], [])), 'loadOptions');
  assert.ok(good.some((c) => c.value === 'Europe/Berlin'));
  const wrong = context([], [], { ...creds, apiKey: 'wrong-secret-value' });
  await assert.rejects(within(timeZones.call(wrong), 'loadOptions with a wrong key'), (e) => {
    assert.match(e.message, /token request .* refused/);
    assert.ok(!e.message.includes('wrong-secret-value'));
    return true;
  });
});

test('two incremental executions keep their checkpoint in the static data: disjoint sets, every record once', async () => {
  const staticData = {};
  const withState = (options) => ({
    ...context([{}], [{ clientTimeZone: 'UTC', options }]),
    getWorkflowStaticData: (type) => (assert.equal(type, 'node'), staticData),
  });
  const [first] = await within(node.execute.call(withState({ incremental: true, endBefore: '2025-07-01T00:00:00Z', pageSize: 500 })), 'first');
  assert.ok(staticData.wfnodeState.checkpoint < '2025-07-01T00:00:00Z');
  const [second] = await within(node.execute.call(withState({ incremental: true, pageSize: 500 })), 'second');
  const [all] = await within(execute([{}], [{ clientTimeZone: 'UTC', options: { returnAll: true } }]), 'the whole history');
  const key = (item) => JSON.stringify(item.json);
  const a = first.map(key), b = second.map(key);
  assert.ok(a.length > 1000 && b.length > 1000, `${a.length} then ${b.length}`);
  assert.equal(new Set([...a, ...b]).size, a.length + b.length); // disjoint, and no record twice
  assert.deepEqual([...a, ...b].sort(), all.map(key).sort());
  // Without static data to keep it in, the node refuses rather than export everything.
  await assert.rejects(within(execute([{}], [{ clientTimeZone: 'UTC', options: { incremental: true } }]), 'no static data'),
                       /needs a host that keeps the node's checkpoint/);
});

for (const signal of ['SIGKILL', 'SIGTERM'])
  test(`nodehost serve ending by ${signal} mid-export fails the node; the next execution starts a new one`, async () => {
    await faults({ latencyMs: 200 });
    try {
      const running = execute([{}], [{ clientTimeZone: 'UTC', options: { returnAll: true, pageSize: 10 } }]);
      running.catch(() => {}); // awaited below
      await exportStarted();
      const [pid] = servePids();
      process.kill(pid, signal);
      // SIGTERM: serve cancels the export (the node says so) and ends; SIGKILL: it just ends.
      await assert.rejects(within(running, `the execution after ${signal}`),
                           signal === 'SIGKILL' ? /nodehost serve ended \(SIGKILL\)/ : /cancelled/);
      await within((async () => {
        while (servePids().includes(pid)) await new Promise((r) => setTimeout(r, 20));
      })(), `nodehost serve ending after ${signal}`);
    } finally {
      await faults({ latencyMs: 0 });
    }
    const [out] = await within(execute([{}], [utcTop(1)]), 'the next execution');
    assert.equal(out.length, 1);
  });

// A host that misbehaves, in a copy of the package of its own (each copy has one process).
const hostileHost = async (name, script, expected) => {
  const dir = path.join(emu.dir, name);
  fs.mkdirSync(dir);
  fs.cpSync(packageDir, path.join(dir, 'package'), { recursive: true });
  const bin = path.join(dir, 'host.sh');
  fs.writeFileSync(bin, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  const hostile = downloadNode(path.join(dir, 'package'));
  process.env.WFNODE_NODEHOST = bin; // read when the copy starts its process, at its first request
  try {
    const running = hostile.execute.call(context([{}], [utcTop(1)]));
    await assert.rejects(within(running, name), expected);
  } finally {
    delete process.env.WFNODE_NODEHOST;
  }
};

test('a reply that names no request fails what is pending', () =>
  hostileHost('unnamed', `while read -r line; do echo '{"id":null,"type":"rejected","pairedItem":null,"error":{"message":"the request is not valid JSON"}}'; done`,
              /nodehost serve answered a request it could not identify: the request is not valid JSON/));

test('a host that ends without answering fails what is pending', () =>
  hostileHost('silent', 'echo "out of luck" >&2; exit 3', /nodehost serve ended \(exit status 3\).*out of luck/));

// Every case runs; the test fails if any of them did.
const failures = [];
try {
  for (const [name, run] of cases) {
    try {
      await run();
      console.log(`ok: ${name}`);
    } catch (e) {
      failures.push(name);
      console.log(`FAILED: ${name}\n  ${String(e.stack || e).split('\n').slice(0, 6).join('\n  ')}`);
    }
  }
} finally {
  for (const pid of servePids()) process.kill(pid, 'SIGKILL');
  emu.stop();
}
assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed`);
