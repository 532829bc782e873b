// nodehost serve against the emulator: describe, per-item parameters, items and errors told
// apart with their paired items, continue-on-fail, one token for many executions,
// cancellation, bad requests answered without ending the process, no secret in any output.
// Usage: node serve_test.mjs NODEHOST PLUGIN EMULATOR
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulator } from './emulator.mjs';
import { startServe } from './serve_client.mjs';

const [nodehost, plugin, emulatorBin] = process.argv.slice(2);
const emu = await startEmulator(emulatorBin, ['--chats', '3000']);
const cache = path.join(emu.dir, 'cache'); // a token cache of its own: tokens counted here are ours
const serve = startServe(nodehost, plugin, { XDG_CACHE_HOME: cache });
const creds = emu.credentials;
const download = 'threecx.downloadChatHistory';
const byType = (lines, type) => lines.filter((l) => l.type === type);
try {
  // describe: what the command prints, in every format.
  for (const format of ['json-schema', 'ui-schema', 'n8n']) {
    const [r] = await serve.send({ id: `d-${format}`, op: 'describe', format });
    const printed = JSON.parse(execFileSync(nodehost, ['describe', plugin, '--format', format], { encoding: 'utf8' }));
    assert.deepEqual(r.result, printed, format);
  }

  // Per-item parameters: each item its own Top, each output paired with its item.
  let lines = await serve.send({
    id: 1, op: 'execute', node: download, credentials: creds,
    items: [
      { json: { n: 2 }, parameters: { clientTimeZone: 'Europe/Berlin', options: { top: 2 } } },
      { json: { n: 3 }, parameters: { clientTimeZone: 'UTC', options: { top: 3 } } },
    ],
  });
  assert.deepEqual(byType(lines, 'item').map((l) => l.pairedItem), [0, 0, 1, 1, 1]);
  assert.ok(byType(lines, 'item').every((l) => typeof l.json.ConversationId === 'number'));
  assert.deepEqual(lines.at(-1), { id: 1, type: 'done', status: 'ok', items: 5, errors: 0, cancelled: false });
  const targets = (await emu.requests()).filter((t) => t.includes('DownloadChatHistory'));
  assert.ok(targets.some((t) => t.includes('$top=2')) && targets.some((t) => t.includes('$top=3')), targets.join('\n'));

  // Shared parameters with an expression, evaluated per item.
  lines = await serve.send({
    id: 'expr', op: 'execute', node: download, credentials: creds,
    parameters: { clientTimeZone: 'Europe/Berlin', options: { top: '{{ $json.n }}' } },
    items: [{ json: { n: 1 } }, { json: { n: 2 } }],
  });
  assert.deepEqual(byType(lines, 'item').map((l) => l.pairedItem), [0, 1, 1]);

  // continue-on-fail: the bad item is an error line paired with it; the others still run.
  lines = await serve.send({
    id: 2, op: 'execute', node: download, credentials: creds, continueOnFail: true,
    items: [
      { json: {}, parameters: { clientTimeZone: 'Nowhere/Zone' } },
      { json: {}, parameters: { clientTimeZone: 'UTC', options: { top: 1 } } },
    ],
  });
  const [err] = byType(lines, 'error');
  assert.equal(err.pairedItem, 0);
  assert.equal(err.error.kind, 'invalid input');
  assert.equal(err.error.field, 'clientTimeZone');
  assert.deepEqual(byType(lines, 'item').map((l) => l.pairedItem), [1]);
  assert.equal(lines.at(-1).errors, 1);

  // Without it, the execution ends at the error with a failing status.
  lines = await serve.send({
    id: 3, op: 'execute', node: download, credentials: creds,
    items: [{ json: {}, parameters: { clientTimeZone: 'Nowhere/Zone' } }, { json: {}, parameters: { clientTimeZone: 'UTC' } }],
  });
  assert.equal(byType(lines, 'item').length, 0);
  assert.notEqual(lines.at(-1).status, 'ok');

  // Wrong credentials: an error line that never repeats the key.
  lines = await serve.send({
    id: 4, op: 'execute', node: download, credentials: { ...creds, apiKey: 'wrong-secret-value' },
    items: [{ json: {}, parameters: { clientTimeZone: 'UTC', options: { top: 1 } } }],
  });
  assert.equal(byType(lines, 'error').length, 1);

  // Every execution so far shared one token.
  assert.equal((await emu.counters()).tokenRequests, 2); // the good key once, the wrong key once

  // Cancellation: a slow export, cancelled after its first items.
  await fetch(`${emu.base}/admin/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 200 }) });
  const slow = serve.send({
    id: 'slow', op: 'execute', node: download, credentials: creds,
    items: [{ json: {}, parameters: { clientTimeZone: 'UTC', options: { returnAll: true, pageSize: 10 } } }],
  });
  while (!serve.all.some((l) => l.startsWith('{"id":"slow","type":"item"'))) await new Promise((r) => setTimeout(r, 20));
  const [cancelled] = await serve.send({ id: 'c', op: 'cancel', execution: 'slow' });
  assert.deepEqual(cancelled.result, { cancelled: true });
  lines = await slow;
  assert.equal(lines.at(-1).cancelled, true);
  assert.notEqual(lines.at(-1).status, 'ok');
  assert.ok(lines.at(-1).items < 3000, `cancelled after ${lines.at(-1).items} items`);
  await fetch(`${emu.base}/admin/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 0 }) });

  // Bad requests are answered and the process goes on.
  const bad = await serve.send({ id: 5, op: 'execute', node: download, items: 'no' });
  assert.equal(bad[0].type, 'rejected');
  const [yaml] = await serve.send({ id: 6, op: 'describe', format: 'yaml' });
  assert.equal(yaml.type, 'rejected');
  assert.match(yaml.error.message, /json-schema, ui-schema or n8n/);
  serve.raw('{"id": 7, "id": 8, "op": "describe"}\n'); // a duplicate key is not read
  const [last] = await serve.send({ id: 9, op: 'cancel', execution: 'none' });
  assert.equal(last.result.cancelled, false);
  assert.match(last.result.reason, /no execution with this id is running/);
  assert.ok(serve.all.some((l) => l.includes('"id":null,"type":"rejected"') && l.includes('duplicate')), serve.all.join('\n'));

  serve.end();
  assert.equal(await serve.exited, 0);
  const everything = serve.all.join('\n') + serve.stderr();
  assert.ok(!everything.includes('demo-secret') && !everything.includes('wrong-secret-value'), 'a secret in the output');
  console.log(`ok: ${serve.all.length} reply lines`);
} finally {
  serve.proc.kill();
  emu.stop();
  fs.rmSync(cache, { recursive: true, force: true });
}
