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

test('time zones the PBX refuses to list fall back to the IANA names, saying why', async () => {
  const timeZones = node.methods.loadOptions.timeZones;
  const good = await within(timeZones.call(context([], [])), 'loadOptions');
  assert.ok(good.some((c) => c.value === 'Europe/Berlin'));
  assert.ok(good.every((c) => !/could not be asked/.test(c.description || '')), 'the PBX\'s own list said it was a fallback');
  const wrong = context([], [], { ...creds, apiKey: 'wrong-secret-value' });
  const fallback = await within(timeZones.call(wrong), 'loadOptions with a wrong key');
  assert.ok(fallback.some((c) => c.value === 'Europe/Berlin'));
  assert.match(fallback[0].description, /the PBX could not be asked \(The PBX refused the credential's Client ID or API Key/);
  assert.ok(fallback.every((c) => !c.description.includes('wrong-secret-value')));
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

// A copy of the package with a process of its own, as installed (no build-tree.json, so
// nothing of the build is found but what the environment names), its node made with `env`
// set while it finds its host (at its first request).
const installedCopy = (name) => {
  const dir = path.join(emu.dir, name);
  fs.mkdirSync(dir);
  fs.cpSync(packageDir, path.join(dir, 'package'), { recursive: true });
  fs.rmSync(path.join(dir, 'package', 'build-tree.json'));
  return { dir, node: downloadNode(path.join(dir, 'package')) };
};
const withEnv = async (env, run) => {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
};

// A host that misbehaves once started (it says it is a nodehost of this version).
const hostileHost = async (name, script, expected) => {
  const { dir, node: hostile } = installedCopy(name);
  const bin = path.join(dir, 'host.sh');
  fs.writeFileSync(bin, `#!/bin/sh\n[ "$1" = --version ] && { echo 'nodehost 0.99.0 (wfnode ABI 1.4.0)'; exit 0; }\n${script}\n`, { mode: 0o755 });
  await withEnv({ WFNODE_NODEHOST: bin, WFNODE_PLUGIN: plugin }, () =>
    assert.rejects(within(hostile.execute.call(context([{}], [utcTop(1)])), name), expected));
};

// No nodehost anywhere: the node says what to install and where it looked, and so do the
// Test button and the time-zone list (which falls back to this machine's IANA names).
test('an installed package without nodehost says what to install and where it looked', async () => {
  const { node: lost } = installedCopy('no-nodehost');
  const empty = path.join(emu.dir, 'empty-bin');
  fs.mkdirSync(empty);
  await withEnv({ PATH: empty, WFNODE_NODEHOST: '', WFNODE_PLUGIN: '' }, async () => {
    delete process.env.WFNODE_NODEHOST;
    delete process.env.WFNODE_PLUGIN;
    await assert.rejects(within(lost.execute.call(context([{}], [utcTop(1)])), 'execute without nodehost'), (e) => {
      assert.match(e.message, /^nodehost was not found: WFNODE_NODEHOST is not set and no nodehost is in .*empty-bin, \/usr\/local\/bin, \/usr\/bin\. Install nodehost and the 3CX plugin .*wfnode-nodehost and threecx-wfnode/);
      assert.doesNotMatch(e.message, /:\s*$/);
      return true;
    });
    const tested = await within(lost.methods.credentialTest.threecxApiTest({ data: creds }), 'credential test without nodehost');
    assert.equal(tested.status, 'Error');
    assert.match(tested.message, /nodehost was not found/);
    const zones = await within(lost.methods.loadOptions.timeZones.call(context([], [])), 'time zones without nodehost');
    assert.equal(zones[0].value, 'UTC');
    assert.ok(zones.some((z) => z.value === 'Europe/Berlin') && zones.length > 300, `${zones.length} zones`);
    assert.match(zones[0].description, /the PBX could not be asked \(nodehost was not found/);
  });
});

test('a nodehost older than the package is refused, naming both versions', async () => {
  const { dir, node: old } = installedCopy('old-nodehost');
  const bin = path.join(dir, 'nodehost');
  fs.writeFileSync(bin, "#!/bin/sh\necho 'nodehost 0.1.0 (wfnode ABI 1.0.0)'\n", { mode: 0o755 });
  await withEnv({ WFNODE_NODEHOST: bin }, () =>
    assert.rejects(within(old.execute.call(context([{}], [utcTop(1)])), 'execute with an old nodehost'),
                   /is nodehost 0\.1\.0; this package needs 0\.x at \d+\.\d+\.\d+ or later\. Install/));
});

test('the installed package finds nodehost on PATH and the plugin by discovery', async () => {
  const { node: found } = installedCopy('discovered');
  await withEnv({ PATH: `${path.dirname(nodehost)}:${process.env.PATH}`, WFNODE_PLUGIN_PATH: path.dirname(plugin) }, async () => {
    delete process.env.WFNODE_NODEHOST;
    delete process.env.WFNODE_PLUGIN;
    const [out] = await within(found.execute.call(context([{}], [utcTop(2)])), 'execute through discovery');
    assert.equal(out.length, 2);
  });
});

test('errors lead with what is wrong, in the form\'s labels and with the format expected', async () => {
  await assert.rejects(within(execute([{}], [{ clientTimeZone: 'Nowhere/Zone' }]), 'a bad zone'), (e) =>
    /^Client Time Zone is not a known IANA time zone name: "Nowhere\/Zone" \(e\.g\. Europe\/Berlin\)/.test(e.message));
  await assert.rejects(within(execute([{}], [{ clientTimeZone: 'UTC', options: { filter: 'Nope eq 1' } }]), 'a bad filter'), (e) => {
    assert.match(e.message, /^The PBX refused the request: HTTP 400/);
    assert.doesNotMatch(e.message, /%[0-9A-F]{2}/);
    assert.match(e.description, /^GET \/xapi\/v1\/.*Nope eq 1/);
    return true;
  });
  const { ThreecxPurgeChats } = require(path.join(packageDir, 'dist/nodes/ThreecxPurgeChats/ThreecxPurgeChats.node.js'));
  const purge = (parameters) => new ThreecxPurgeChats().execute.call(context([{}], [parameters]));
  await assert.rejects(within(purge({ period: { All: false, Start: 'yesterday', Stop: null }, options: { dryRun: true } }), 'a bad Start'), (e) =>
    /^Period › Start has an invalid format: "yesterday"; expected an ISO 8601 date and time with an offset, such as 2026-01-01T00:00:00Z/.test(e.message));
  await assert.rejects(within(purge({ period: { All: true, Start: null, Stop: null } }), 'All without the confirmation'), (e) =>
    /set Confirm Purge All to true .*Options › Dry Run/.test(e.message) && !/confirmPurgeAll|options\.dryRun/.test(e.message));
  // Top left empty (n8n keeps an added, empty number as null) asks for no $top.
  const before = (await emu.requests()).length;
  const [out] = await within(execute([{}], [{ clientTimeZone: 'UTC', options: { top: null, skip: 2990 } }]), 'an empty Top');
  assert.equal(out.length, 10);
  assert.ok((await emu.requests()).slice(before).every((t) => !t.includes('$top')));
});

test('the Test button says a wrong key is wrong, and takes no new token for a good one', async () => {
  const wrong = await within(node.methods.credentialTest.threecxApiTest({ data: { ...creds, apiKey: 'wrong-secret-value' } }), 'test');
  assert.equal(wrong.status, 'Error');
  assert.match(wrong.message, /^The PBX refused the credential's Client ID or API Key/);
  assert.ok(!wrong.message.includes('wrong-secret-value'));
  await within(execute([{}], [utcTop(1)]), 'an execution, holding a token');
  const tokens = (await emu.counters()).tokenRequests;
  const good = await within(node.methods.credentialTest.threecxApiTest({ data: creds }), 'test');
  assert.equal(good.status, 'OK', good.message);
  assert.equal((await emu.counters()).tokenRequests, tokens);
});

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
