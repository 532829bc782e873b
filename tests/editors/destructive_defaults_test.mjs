// No editor form starts with a value that deletes anything. For every node that does more than
// read (`describe` prints its schema's "effect"), each generated form is run exactly as it
// starts, untouched, through the plugin against the emulator:
//   - n8n: the node classes of the generated n8n package (editors/n8n, from `describe --format
//     n8n`), every top-level property at its default, as n8n runs a node dropped on the canvas;
//   - the form page (examples/editor): the UI schema's "formDefault" starts, nothing else;
//   - a form that fills in every default of the printed JSON Schema.
// Each must be refused by validation with nothing sent, or be a dry run that deletes nothing
// (the emulator counts requests, purges and chats). The check itself is shown to catch a
// destructive form: the n8n form as it was (Period filled with the schema's example, Dry Run
// off) is caught.
// Usage: node destructive_defaults_test.mjs NODEHOST PLUGIN EMULATOR N8N_PACKAGE
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startEmulator } from './emulator.mjs';

const [nodehost, plugin, emulatorBin, n8nPackage] = process.argv.slice(2);
const describe = (...args) => JSON.parse(execFileSync(nodehost, ['describe', plugin, ...args], { encoding: 'utf8' }));
const described = describe();
const ui = describe('--format', 'ui-schema');
// The n8n package's own node classes, as n8n loads them, in the plugin's order. The package
// words and orders them n8n's way (labels, descriptions, options by label, "3CX " names), so
// what is compared with `describe --format n8n` is what a form starts with: every property's
// and every option's default.
const require = createRequire(import.meta.url);
const packageJson = require(path.join(n8nPackage, 'package.json'));
const packageNodes = packageJson.n8n.nodes.map((file) => {
  const exported = require(path.join(n8nPackage, file));
  return new (Object.values(exported)[0])().description;
});
const printedNodes = describe('--format', 'n8n').nodes;
// n8n's own start for a number field named Limit (50, its linter's rule), the one start the
// package sets itself (editors/n8n/package.config.json).
const n8nLimit = JSON.parse(fs.readFileSync(new URL('../../editors/n8n/package.config.json', import.meta.url), 'utf8')).n8nLimit;
const withN8nLimit = (props) => props.map((p) => (p.name === 'limit' && p.type === 'number' ? { ...p, default: n8nLimit.default } : p));
// A node the package leaves out says why in its package.json (wfnode.leftOut); it has no n8n form.
const leftOut = (i) => Boolean(packageJson.wfnode.leftOut[described.nodes[i].type]);
const n8n = { nodes: printedNodes.map((n) => packageNodes.find((d) => d.name === n.name)) };
const starts = (props) => Object.fromEntries(props.map((p) => [p.name, p.type === 'collection' ? [p.default, starts(p.options)] : p.default]));
printedNodes.forEach((printed, i) => {
  if (leftOut(i)) return;
  assert.ok(n8n.nodes[i], `the n8n package has no node ${printed.name}`);
  assert.deepEqual(starts(n8n.nodes[i].properties), starts(withN8nLimit(printed.properties)),
                   `the n8n package's ${printed.displayName} starts as describe prints`);
});

// n8n runs an untouched node with every top-level property it shows at its default
// (collections included: their default object); the runtime sends each one. A property is
// shown when the fields its displayOptions name have one of its values (the 3CX node: the
// Operation of the first resource, then that operation's fields); of several of one name,
// the one shown.
const n8nStart = (description) => {
  const start = {};
  const shown = (p) => Object.entries((p.displayOptions || {}).show || {}).every(([k, values]) => values.includes(start[k]));
  for (const p of description.properties) if (!(p.name in start) && shown(p)) start[p.name] = p.default;
  return start;
};

// The form page's start, by the page's own code.
const { formStartValue } = require('../../examples/editor/start_value.js');
const formPageStart = (uiSchema) => formStartValue(uiSchema) || {};

// A form that fills in every default the printed schema gives (conditional ones under their
// condition), into nothing.
function schemaDefaults(schema, value = {}) {
  const out = { ...value };
  const props = { ...(schema.properties || {}) };
  const cond = schema.if && schema.if.properties;
  if (cond && Object.entries(cond).every(([k, s]) => k in out && s.enum.includes(out[k]))) Object.assign(props, schema.then.properties);
  for (const [k, s] of Object.entries(props)) {
    if (!(k in out) && 'default' in s) out[k] = s.default;
    if (k in out && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k])) out[k] = schemaDefaults(s, out[k]);
  }
  return out;
}

const emu = await startEmulator(emulatorBin, ['--chats', '2000', '--data-end', '2026-03-01T00:00:00Z']);
const credFile = path.join(emu.dir, 'credentials.json');
fs.writeFileSync(credFile, JSON.stringify(emu.credentials));
const env = { ...process.env, XDG_CACHE_HOME: path.join(emu.dir, 'cache') };

// Runs the node with `params` and says what it did to the PBX: "refused" (invalid input, not
// one request sent, token requests included), "dry run" (ran, every item a dry run, nothing
// purged), "nothing changed" (it sent reads only: the 3CX node's first operation is a GET), or
// "destructive" (anything else).
async function verdict(type, params) {
  const before = await emu.counters();
  let out = '', err = '', status = 0;
  try {
    out = execFileSync(nodehost, ['exec', plugin, type, '--params', JSON.stringify(params), '--credentials', `@${credFile}`],
                       { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    ({ stdout: out, stderr: err, status } = e);
  }
  const after = await emu.counters();
  const sent = after.requests - before.requests + after.tokenRequests - before.tokenRequests;
  const deleted = { purges: after.purges - before.purges, chats: before.chats - after.chats };
  const items = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (status !== 0 && /\[invalid input; field /.test(err) && sent === 0) return { is: 'refused', err: err.trim() };
  if (status === 0 && deleted.purges === 0 && deleted.chats === 0 && items.length > 0 && items.every((i) => i.dryRun === true && i.purged === false))
    return { is: 'dry run', items };
  if (after.changingRequests === before.changingRequests && deleted.purges === 0 && deleted.chats === 0)
    return { is: 'nothing changed', status, err: err.trim() };
  return { is: 'destructive', status, err: err.trim(), deleted, items };
}

try {
  const destructive = described.nodes.filter((n) => n.effect !== 'read');
  assert.ok(destructive.some((n) => n.type === 'threecx.purgeChats' && n.effect === 'delete'), 'Purge Chats is marked as deleting');
  let checked = 0;
  for (const node of destructive) {
    const i = described.nodes.indexOf(node);
    const forms = {
      ...(leftOut(i) ? {} : { 'n8n': n8nStart(n8n.nodes[i]) }),
      'form page': formPageStart(ui.nodes[i].uiSchema),
      'schema defaults': schemaDefaults(node.schema),
    };
    for (const [form, params] of Object.entries(forms)) {
      const v = await verdict(node.type, params);
      console.log(`${node.type}, ${form} ${JSON.stringify(params)}: ${v.is}${v.err ? ` (${v.err})` : ''}`);
      assert.notEqual(v.is, 'destructive', `${node.type}: the ${form} form as it starts deletes: ${JSON.stringify(v)}`);
      checked++;
    }
    // An editor's form with only its required fields filled in (each with its example, as a
    // user types one) and Execute pressed: a preview, since Dry Run starts on in editors.
    // (a field without an example, such as the 3CX node's resource, gets its first choice)
    const typed = (p) => (p.examples ? p.examples[0] : p.default !== undefined ? p.default : (p.enum || [])[0]);
    const required = Object.fromEntries((node.schema.required || []).map((k) => [k, typed(node.schema.properties[k])]));
    for (const form of ['n8n', 'form page'].filter((f) => forms[f])) {
      const params = { ...forms[form], ...required };
      const v = await verdict(node.type, params);
      console.log(`${node.type}, ${form} with ${JSON.stringify(required)} filled in: ${v.is}`);
      // Purge Chats previews; the 3CX node's first operation is a read, which changes nothing.
      const harmless = node.type === 'threecx.purgeChats' ? ['dry run'] : ['dry run', 'nothing changed'];
      assert.ok(harmless.includes(v.is), `${node.type}: the ${form} form with only its required fields filled in: ${JSON.stringify(v)}`);
    }
  }

  // What each form shows for Purge Chats: the period empty, its example only as the hint, and
  // Dry Run on in the editors (the plugin's own default, without the field, stays off).
  const purge = described.nodes.findIndex((n) => n.type === 'threecx.purgeChats');
  const example = JSON.stringify(described.nodes[purge].schema.properties.period.examples[0]);
  const period = n8n.nodes[purge].properties.find((p) => p.name === 'period');
  assert.equal(period.default, '');
  assert.equal(period.placeholder, example);
  assert.equal(ui.nodes[purge].uiSchema.period['ui:placeholder'], example);
  assert.deepEqual(n8n.nodes[purge].properties.find((p) => p.name === 'options').default, { dryRun: true });
  assert.deepEqual(formPageStart(ui.nodes[purge].uiSchema), { options: { dryRun: true } });
  assert.equal(described.nodes[purge].schema.properties.options.properties.dryRun.default, false);

  // The check catches a destructive form: n8n's form as it was generated before (Period set
  // to the example, Options empty) purged January when run untouched.
  const before = { ...n8nStart(n8n.nodes[purge]), period: example, options: {} };
  const caught = await verdict('threecx.purgeChats', before);
  assert.equal(caught.is, 'destructive', JSON.stringify(caught));
  assert.equal(caught.deleted.purges, 1);
  assert.ok(caught.deleted.chats > 0);
  console.log(`ok: ${checked} forms of ${destructive.length} deleting node(s) start harmless; the old n8n form ` +
              `(${JSON.stringify(before)}) is caught: 1 purge, ${caught.deleted.chats} chats deleted`);
} finally {
  emu.stop();
}
