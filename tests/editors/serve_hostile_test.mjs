// nodehost serve under a failing or hostile editor: refused lines still name their request,
// a 200 MB line is refused without being held, SIGTERM and SIGINT end the process (idle and
// mid-export) with 128 + the signal after cancelling what runs, a closed stdout ends it, a
// cancel says what it did, and a failed options call is one error reply.
// Usage: node serve_hostile_test.mjs NODEHOST PLUGIN EMULATOR
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulator } from './emulator.mjs';
import { startServe, within } from './serve_client.mjs';

const [nodehost, plugin, emulatorBin] = process.argv.slice(2);
const emu = await startEmulator(emulatorBin, ['--chats', '3000']);
const cache = path.join(emu.dir, 'cache');
const creds = emu.credentials;
const download = 'threecx.downloadChatHistory';
const limit = 64 * 1024 * 1024; // the JSON policy's most bytes in one document
const started = [];
// Under AddressSanitizer freed memory waits in a quarantine (256 MiB by default) before it is
// reused, so resident memory would measure the allocator, not what serve holds: keep it small.
const sanitizer = process.env.ASAN_OPTIONS ? { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS}:quarantine_size_mb=8` } : {};
const serveProcess = () => {
  const s = startServe(nodehost, plugin, { XDG_CACHE_HOME: cache, ...sanitizer });
  started.push(s);
  return s;
};
const faults = (body) => fetch(`${emu.base}/admin/faults`, { method: 'POST', body: JSON.stringify(body) });
const slowExport = (id) => ({
  id, op: 'execute', node: download, credentials: creds,
  items: [{ json: {}, parameters: { clientTimeZone: 'UTC', options: { returnAll: true, pageSize: 10 } } }],
});
// Resolves once the execution `id` has handed on its first item.
const firstItem = (serve, id) =>
  within((async () => {
    while (!serve.all.some((l) => l.startsWith(`{"id":"${id}","type":"item"`))) await new Promise((r) => setTimeout(r, 20));
  })(), `the first item of ${id}`);
const peakRssKiB = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const cases = [];
const test = (name, run) => cases.push([name, run]);

test('a line the JSON policy refuses is answered under its id, and not acted on', async () => {
  const serve = serveProcess();
  const refused = [
    ['a duplicate key', '{"id":"dup","op":"describe","format":"n8n","format":"json-schema"}', 'dup', /duplicate key "format"/],
    ['70 levels of nesting', `{"id":"deep","op":"describe","x":${'['.repeat(70)}${']'.repeat(70)}}`, 'deep', /nested deeper than 64 levels/],
    ['a NUL', '{"id":17,"op":"describe","format":"n8n\\u0000"}', 17, /NUL/],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"id":"utf8","op":"describe","format":"'), Buffer.from([0xff]), Buffer.from('"}')]), 'utf8', /not valid JSON/],
    ['a line cut short', '{"id":"cut","op":"describe"', 'cut', /not valid JSON/],
    ['an execute with a NUL in an item', JSON.stringify({ ...slowExport('run'), items: [{ json: { a: '\u0000' } }] }), 'run', /NUL/],
  ];
  for (const [what, text, id, message] of refused) {
    const lines = await within(serve.sendLine(text, id, 'describe'), what);
    assert.equal(lines.length, 1, what);
    assert.equal(lines[0].type, 'rejected', what);
    assert.match(lines[0].error.message, message, what);
  }
  // Two ids: which one it answers cannot be told, so it names none.
  const [ambiguous] = await within(serve.sendLine('{"id":1,"id":2,"op":"describe"}', null, 'describe'), 'two ids');
  assert.equal(ambiguous.type, 'rejected');
  const [after] = await within(serve.send({ id: 'after', op: 'describe', format: 'n8n' }), 'a request after them');
  assert.equal(after.type, 'result');
  assert.equal((await emu.counters()).tokenRequests, 0, 'the refused execute reached the PBX');
  serve.end();
  assert.equal(await within(serve.exited, 'the end of stdin'), 0);
});

test('a 200 MB line is refused as it passes the limit, without being held, and serving goes on', async () => {
  const serve = serveProcess();
  const answered = serve.expect('big', 'describe');
  serve.raw('{"id":"big","op":"describe","pad":"');
  const mib = 'x'.repeat(1 << 20);
  for (let i = 0; i < 200; i++)
    if (!serve.proc.stdin.write(mib)) await new Promise((r) => serve.proc.stdin.once('drain', r));
  serve.raw('"}\n');
  const [big] = await within(answered, 'the 200 MB line');
  assert.equal(big.type, 'rejected');
  assert.match(big.error.message, new RegExp(`longer than ${limit} bytes`));
  const [next] = await within(serve.send({ id: 'next', op: 'describe', format: 'n8n' }), 'the request after the 200 MB line');
  assert.equal(next.type, 'result');
  const peak = peakRssKiB(serve.proc.pid);
  console.log(`a 200 MB line: peak resident memory of nodehost serve ${Math.round(peak / 1024)} MiB`);
  // At most the limit's worth of the line (64 MiB) and the process itself (about 11 MiB).
  // AddressSanitizer's shadow memory and its (small, above) quarantine add about as much again;
  // a line held whole would still take over 200 MiB. ThreadSanitizer's allocator keeps what
  // was freed and shadows memory four times over: 351 MiB seen streaming, where a line held
  // whole takes its 200 MiB and four times that in shadow.
  const bound = process.env.TSAN_OPTIONS ? 700 : process.env.ASAN_OPTIONS ? 190 : 96;
  assert.ok(peak < bound * 1024, `peak resident memory ${peak} KiB (bound ${bound} MiB)`);
  assert.equal(serve.all.length, 2, serve.all.map((l) => l.slice(0, 120)).join('\n')); // nothing read from the rest of the line
  serve.end();
  assert.equal(await within(serve.exited, 'the end of stdin'), 0);
});

for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]])
  test(`${signal} ends an idle process with status ${status}, stdin still open`, async () => {
    const serve = serveProcess();
    const [r] = await within(serve.send({ id: 'ready', op: 'describe', format: 'n8n' }), 'describe');
    assert.equal(r.type, 'result');
    serve.proc.kill(signal);
    assert.deepEqual(await within(serve.ended, `serve after ${signal}, idle`), { code: status, signal: null });
  });

test('SIGTERM mid-export cancels the export (its "done" says so), then ends the process', async () => {
  await faults({ latencyMs: 200 });
  const serve = serveProcess();
  try {
    const slow = serve.send(slowExport('slow'));
    await firstItem(serve, 'slow');
    serve.proc.kill('SIGTERM');
    const lines = await within(slow, 'the cancelled export');
    assert.equal(lines.at(-1).type, 'done');
    assert.equal(lines.at(-1).cancelled, true);
    assert.notEqual(lines.at(-1).status, 'ok');
    assert.ok(lines.at(-1).items < 3000, `${lines.at(-1).items} items`);
    assert.deepEqual(await within(serve.ended, 'serve after SIGTERM mid-export'), { code: 143, signal: null });
  } finally {
    await faults({ latencyMs: 0 });
  }
});

test('a closed stdout ends an idle process (status 1), stdin still open', async () => {
  const serve = serveProcess();
  await within(serve.send({ id: 'ready', op: 'describe', format: 'n8n' }), 'describe');
  serve.proc.stdout.destroy();
  assert.deepEqual(await within(serve.ended, 'serve with stdout closed, idle'), { code: 1, signal: null });
});

test('a closed stdout mid-export cancels the export and ends the process (status 1)', async () => {
  await faults({ latencyMs: 200 });
  const serve = serveProcess();
  try {
    serve.send(slowExport('slow'));
    await firstItem(serve, 'slow');
    serve.proc.stdout.destroy();
    assert.deepEqual(await within(serve.ended, 'serve with stdout closed mid-export'), { code: 1, signal: null });
    assert.match(serve.stderr(), /stdout is closed/);
  } finally {
    await faults({ latencyMs: 0 });
  }
});

test('a cancel of a finished or unknown execution says that nothing was cancelled, and why', async () => {
  const serve = serveProcess();
  const done = await within(serve.send({
    id: 'quick', op: 'execute', node: download, credentials: creds,
    items: [{ json: {}, parameters: { clientTimeZone: 'UTC', options: { top: 1 } } }],
  }), 'a quick execution');
  assert.equal(done.at(-1).status, 'ok');
  const [finished] = await within(serve.send({ id: 'c1', op: 'cancel', execution: 'quick' }), 'cancel');
  assert.equal(finished.result.cancelled, false);
  assert.match(finished.result.reason, /finished/);
  const [unknown] = await within(serve.send({ id: 'c2', op: 'cancel', execution: 'never' }), 'cancel');
  assert.equal(unknown.result.cancelled, false);
  assert.match(unknown.result.reason, /no execution with this id is running/);
  serve.end();
  assert.equal(await within(serve.exited, 'the end of stdin'), 0);
});

test('a failed options call is one error reply, with no empty list of choices after it', async () => {
  const serve = serveProcess();
  const failed = await within(serve.send({
    id: 'opt', op: 'options', node: download, field: 'clientTimeZone', credentials: { ...creds, apiKey: 'wrong-secret-value' },
  }), 'options');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].type, 'error');
  const [good] = await within(serve.send({ id: 'opt2', op: 'options', node: download, field: 'clientTimeZone', credentials: creds }), 'options');
  assert.equal(good.type, 'result');
  assert.ok(good.result.some((c) => c.value === 'Europe/Berlin'));
  assert.equal(serve.all.filter((l) => l.startsWith('{"id":"opt",')).length, 1, serve.all.join('\n'));
  serve.end();
  assert.equal(await within(serve.exited, 'the end of stdin'), 0);
  assert.ok(!(serve.all.join('\n') + serve.stderr()).includes('wrong-secret-value'), 'a secret in the output');
});

// Every case runs, each with processes of its own; the test fails if any of them did.
const failures = [];
try {
  for (const [name, run] of cases) {
    try {
      await run();
      console.log(`ok: ${name}`);
    } catch (e) {
      failures.push(name);
      console.log(`FAILED: ${name}\n  ${String(e.stack || e).split('\n').slice(0, 6).join('\n  ')}`);
    } finally {
      for (const s of started.splice(0)) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    }
  }
} finally {
  emu.stop();
  fs.rmSync(cache, { recursive: true, force: true });
}
assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed`);
