// Our generated package inside a real n8n (installed by the npm fixture, loaded through
// N8N_CUSTOM_EXTENSIONS): `n8n execute` of a saved workflow with both nodes against the
// emulator. Checks the records, the per-item expressions (each item's own Top, time zone and
// period reach the PBX), paired items, continue-on-fail, and that no secret is printed.
// Usage: node n8n_test.mjs N8N_PREFIX PACKAGE_DIR EMULATOR
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './emulator.mjs';
import { n8nEnv } from './n8n_env.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [prefix, packageDir, emulatorBin] = process.argv.slice(2);
const n8nBin = path.resolve(prefix, 'node_modules', 'n8n', 'bin', 'n8n');
const emu = await startEmulator(emulatorBin, ['--chats', '500', '--data-end', '2026-01-01T00:00:00Z']);
const home = path.join(emu.dir, 'n8n');
fs.mkdirSync(home);
const env = n8nEnv({ home, cache: path.join(emu.dir, 'cache'), packageDir });
const n8n = (...args) => execFileSync(process.execPath, [n8nBin, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
try {
  // Credentials and workflow from files: the key is never on a command line.
  const credFile = path.join(emu.dir, 'credentials.json');
  fs.writeFileSync(credFile, JSON.stringify([{ id: 'wfnodeCred00001', name: '3CX test PBX', type: 'threecxApi', data: emu.credentials }]));
  n8n('import:credentials', `--input=${credFile}`);
  n8n('import:workflow', `--input=${path.join(here, 'n8n_workflow.json')}`);
  const printed = n8n('execute', '--id=wfnodeN8nTest01', '--rawOutput');
  assert.ok(!printed.includes(emu.credentials.apiKey), 'the API key was printed');
  const run = JSON.parse(printed.slice(printed.indexOf('\n{') + 1));
  const runData = run.data.resultData.runData;
  const out = (node) => runData[node][0].data.main[0];

  // Download: item 0 asks for 2 records in Europe/Berlin, item 1 fails (not a time zone) and
  // becomes an error item in its place, item 2 asks for 3 in UTC.
  const download = out('Download');
  assert.deepEqual(download.map((i) => i.pairedItem.item), [0, 0, 1, 2, 2, 2]);
  for (const i of [0, 1, 3, 4, 5]) assert.equal(typeof download[i].json.ConversationId, 'number');
  assert.match(download[2].json.error, /not a known IANA time zone name/);
  assert.equal(download[2].json.field, 'clientTimeZone');
  const targets = (await emu.requests()).filter((t) => t.includes('DownloadChatHistory'));
  assert.ok(targets.some((t) => t.includes('$top=2') && t.includes('Europe/Berlin')), targets.join('\n'));
  assert.ok(targets.some((t) => t.includes('$top=3') && t.includes("'UTC'")), targets.join('\n'));

  // Purge: two periods purged (their counts reported), the one with a bad Start an error item.
  const purge = out('Purge');
  assert.deepEqual(purge.map((i) => i.pairedItem.item), [0, 1, 2]);
  assert.match(purge[1].json.error, /Start/);
  assert.equal(purge[1].json.kind, 'invalid input');
  assert.ok(!('error' in purge[0].json) && !('error' in purge[2].json), JSON.stringify(purge));
  const counters = await emu.counters();
  assert.equal(counters.purges, 2);
  assert.equal(counters.tokenRequests, 1); // both nodes, every item: one nodehost, one token
  // Without continue-on-fail the workflow fails at the bad item, as n8n's own nodes do:
  // the error names the node, the message and the item.
  const strict = JSON.parse(fs.readFileSync(path.join(here, 'n8n_workflow.json'), 'utf8'));
  strict.id = 'wfnodeN8nTest02';
  strict.name += ' (no continue-on-fail)';
  for (const n of strict.nodes) delete n.onError;
  const strictFile = path.join(emu.dir, 'strict.json');
  fs.writeFileSync(strictFile, JSON.stringify(strict));
  n8n('import:workflow', `--input=${strictFile}`);
  let failed = null;
  try {
    n8n('execute', '--id=wfnodeN8nTest02', '--rawOutput');
  } catch (e) {
    failed = e.stdout + e.stderr;
  }
  assert.ok(failed !== null, 'the workflow without continue-on-fail succeeded');
  const failedRun = JSON.parse(failed.slice(failed.indexOf('\n{') + 1, failed.lastIndexOf('\n}') + 2));
  const error = failedRun.data.resultData.error;
  assert.match(error.message, /not a known IANA time zone name|Start/);
  assert.equal(error.context.itemIndex, 1);
  assert.ok(!failed.includes(emu.credentials.apiKey), 'the API key was printed');
  console.log(`ok: ${download.length} download items, ${purge.length} purge items; purged ${counters.purgedChats} chats`);
} finally {
  emu.stop();
}
