// Two consecutive executions of a saved workflow in a real n8n (`n8n execute`), Download Chat
// History in incremental mode: the checkpoint lives in the workflow's static data, which n8n
// saves after each execution, so the second exports exactly what arrived after the first:
// the two sets are disjoint and together every chat the PBX holds, each once.
// Usage: node n8n_incremental_test.mjs N8N_PREFIX PACKAGE_DIR EMULATOR
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulator } from './emulator.mjs';
import { n8nEnv } from './n8n_env.mjs';

const [prefix, packageDir, emulatorBin] = process.argv.slice(2);
const n8nBin = path.resolve(prefix, 'node_modules', 'n8n', 'bin', 'n8n');
// The PBX's clock starts months before the end of its data: chats arrive as it moves.
const emu = await startEmulator(emulatorBin, ['--chats', '600', '--data-end', '2026-01-01T00:00:00Z', '--clock', '2025-09-01T00:00:00Z']);
const home = path.join(emu.dir, 'n8n');
fs.mkdirSync(home);
const env = n8nEnv({ home, cache: path.join(emu.dir, 'cache'), packageDir });
const n8n = (...args) => execFileSync(process.execPath, [n8nBin, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
const workflow = {
  id: 'wfnodeN8nIncr01',
  name: 'Nightly incremental export',
  active: false,
  settings: { executionOrder: 'v1' },
  connections: { Start: { main: [[{ node: 'Export', type: 'main', index: 0 }]] } },
  nodes: [
    { id: 'b0000000-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
    { id: 'b0000000-0000-4000-8000-000000000002', name: 'Export', type: 'CUSTOM.threecxDownloadChatHistory', typeVersion: 1, position: [200, 0],
      parameters: { clientTimeZone: 'UTC', options: { incremental: true, pageSize: 200 } },
      credentials: { threecxApi: { id: 'wfnodeCred00002', name: '3CX test PBX' } } },
  ],
};
const ids = (items) => items.map((i) => Number(/\(#(\d+)\)$/.exec(i.json.Message)[1]));
const execute = () => {
  const printed = n8n('execute', `--id=${workflow.id}`, '--rawOutput');
  const run = JSON.parse(printed.slice(printed.indexOf('\n{') + 1));
  return run.data.resultData.runData.Export[0].data.main[0];
};
try {
  const credFile = path.join(emu.dir, 'credentials.json');
  fs.writeFileSync(credFile, JSON.stringify([{ id: 'wfnodeCred00002', name: '3CX test PBX', type: 'threecxApi', data: emu.credentials }]));
  n8n('import:credentials', `--input=${credFile}`);
  const workflowFile = path.join(emu.dir, 'workflow.json');
  fs.writeFileSync(workflowFile, JSON.stringify(workflow));
  n8n('import:workflow', `--input=${workflowFile}`);

  const first = ids(execute());
  const clock = await (await fetch(`${emu.base}/admin/clock`, { method: 'POST', body: JSON.stringify({ now: '2026-01-01T00:00:00Z' }) })).json();
  assert.ok(clock.arrived > 0, 'no chat arrived between the executions');
  const second = ids(execute());
  const all = (await (await fetch(`${emu.base}/admin/chats?state=visible`)).json()).chats.map((c) => c.id);
  assert.ok(first.length > 0 && second.length > 0, `${first.length} then ${second.length} records`);
  assert.equal(first.filter((id) => second.includes(id)).length, 0, 'a chat exported by both executions');
  assert.equal(new Set([...first, ...second]).size, first.length + second.length, 'a chat exported twice');
  assert.deepEqual([...first, ...second].sort((a, b) => a - b), all.sort((a, b) => a - b));
  console.log(`ok: two n8n executions exported ${first.length} and ${second.length} chats: disjoint, together all ${all.length}`);
} finally {
  emu.stop();
}
