// A default in a printed schema is what the node does without the field: parameters as a
// form fills them in (every absent field that has a default, conditional fields when their
// condition holds) send the very same requests as the parameters typed without them.
// Usage: node defaults_test.mjs NODEHOST PLUGIN EMULATOR
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulator } from './emulator.mjs';

const [nodehost, plugin, emulatorBin] = process.argv.slice(2);
const schemas = Object.fromEntries(
  JSON.parse(execFileSync(nodehost, ['describe', plugin], { encoding: 'utf8' })).nodes.map((n) => [n.type, n.schema]));

// What a form does: fills each absent property that has a default, and goes into objects;
// `then` applies when every `if` property is present with an allowed value.
function fill(schema, value) {
  if (!schema || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out = { ...value };
  const props = { ...(schema.properties || {}) };
  const cond = schema.if && schema.if.properties;
  if (cond && Object.entries(cond).every(([k, s]) => k in out && s.enum.some((e) => e === out[k])))
    Object.assign(props, schema.then.properties);
  for (const [k, s] of Object.entries(props)) {
    if (!(k in out) && 'default' in s) out[k] = s.default;
    if (k in out) out[k] = fill(s, out[k]);
  }
  return out;
}

const emu = await startEmulator(emulatorBin, ['--chats', '1500']);
const credFile = path.join(emu.dir, 'credentials.json');
fs.writeFileSync(credFile, JSON.stringify(emu.credentials));
const env = { ...process.env, XDG_CACHE_HOME: path.join(emu.dir, 'cache') };
const requests = async (type, params) => {
  const before = (await emu.requests()).length;
  const out = execFileSync(nodehost, ['exec', plugin, type, '--params', JSON.stringify(params), '--credentials', `@${credFile}`],
                           { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  const seen = (await emu.requests()).slice(before).filter((t) => !t.includes('/connect/token'));
  return { records: out.split('\n').filter(Boolean).length, seen };
};
try {
  const cases = [
    ['threecx.downloadChatHistory', { clientTimeZone: 'UTC' }],
    ['threecx.downloadChatHistory', { clientTimeZone: 'UTC', options: { returnAll: true } }],
    ['threecx.downloadChatHistory', { clientTimeZone: 'UTC', options: { top: 7, count: true } }],
    ['threecx.purgeChats', { period: { All: false, Start: '2025-01-01T00:00:00Z', Stop: '2025-01-02T00:00:00Z' }, options: { dryRun: true } }],
  ];
  for (const [type, typed] of cases) {
    const filled = fill(schemas[type], typed);
    assert.notDeepEqual(filled, typed, 'the form filled nothing in: the case proves nothing');
    const a = await requests(type, typed);
    const b = await requests(type, filled);
    assert.deepEqual(b, a, `${type}: ${JSON.stringify(typed)} against ${JSON.stringify(filled)}`);
    assert.ok(a.seen.length > 0);
  }
  console.log(`ok: ${cases.length} parameter sets send the same requests with the form's defaults`);
} finally {
  emu.stop();
}
