// Every schema `nodehost describe` prints compiles in Ajv's default strict mode for draft
// 2020-12 with ajv-formats and no other configuration (a strict-mode warning fails too), and
// the printed schemas mean what the node does: conditional fields, a period as an object or
// as a JSON string, no editor hints. Usage: node schemas_strict.mjs NODEHOST PLUGIN NPM_DIR
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import assert from 'node:assert/strict';

const [nodehost, plugin, npmDir] = process.argv.slice(2);
const require = createRequire(path.resolve(npmDir, 'node_modules', 'x.js'));
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');

// Ajv reports strict-mode findings it does not throw for (strictTypes) through console.warn.
const warnings = [];
console.warn = (...args) => warnings.push(args.join(' '));

const describe = (...args) => JSON.parse(execFileSync(nodehost, ['describe', plugin, ...args], { encoding: 'utf8' }));
const all = describe();
const ui = describe('--format', 'ui-schema');
const schemas = [...all.nodes.map((n) => [n.type, n.schema]), ...all.credentials.map((c) => [c.name, c.schema])];
assert.equal(schemas.length, 4);  // three nodes (the 3CX node generated) and the credential

const hints = (v, where) => {
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      assert.ok(!k.startsWith('x-'), `${where}: editor hint ${k} in the printed schema`);
      hints(x, `${where}/${k}`);
    }
};
const validators = {};
for (const [name, schema] of schemas) {
  hints(schema, name);
  const ajv = new Ajv2020();
  addFormats(ajv);
  validators[name] = ajv.compile(schema);
}
assert.deepEqual(warnings, [], 'Ajv strict-mode warnings');

const download = validators['threecx.downloadChatHistory'];
const ok = (v, data) => assert.ok(v(data), JSON.stringify(data) + ': ' + JSON.stringify(v.errors));
const bad = (v, data) => assert.ok(!v(data), JSON.stringify(data) + ' should be rejected');
ok(download, { clientTimeZone: 'Europe/Berlin' });
bad(download, {});
ok(download, { clientTimeZone: 'Europe/Berlin', options: { returnAll: true, pageSize: 500, concurrency: 2 } });
// Page Size and Concurrency belong to Return All (if/then), nothing else is unknown.
bad(download, { clientTimeZone: 'Europe/Berlin', options: { pageSize: 500 } });
bad(download, { clientTimeZone: 'Europe/Berlin', options: { returnAll: false, concurrency: 2 } });
bad(download, { clientTimeZone: 'Europe/Berlin', options: { nonsense: 1 } });
// The checkpoint's options belong to Incremental.
ok(download, { clientTimeZone: 'UTC', options: { incremental: true, startAt: '2026-01-01T00:00:00Z', lateWindowS: 0 } });
bad(download, { clientTimeZone: 'UTC', options: { startAt: '2026-01-01T00:00:00Z' } });
bad(download, { clientTimeZone: 'UTC', options: { incremental: true, endBefore: 'yesterday' } });
// A default is what the node does without the field: Top has none (absent, no $top).
const options = all.nodes[0].schema.properties.options;
assert.equal(options.properties.top.default, undefined);
const clause = (field) => options.allOf.find((c) => field in c.then.properties).then;
assert.equal(clause('pageSize').properties.pageSize.default, 1000);
assert.equal(clause('lateWindowS').properties.lateWindowS.default, 86400);

const purge = validators['threecx.purgeChats'];
const period = { All: false, Start: '2026-01-01T00:00:00Z', Stop: '2026-02-01T00:00:00Z' };
ok(purge, { period });
ok(purge, { period: JSON.stringify(period) });
ok(purge, { period: { All: true, Start: null, Stop: null }, confirmPurgeAll: true });
bad(purge, { period: { Start: 'yesterday' } });
bad(purge, { period: 42 });
assert.equal(all.nodes[1].schema.properties.period.default, undefined);

const cred = validators.threecxApi;
ok(cred, { baseUrl: 'https://pbx.example.com:5001', clientId: 'c', apiKey: 'k' });
bad(cred, { baseUrl: 'not a url', clientId: 'c', apiKey: 'k' });

// The hints live in the UI schema: order, placeholders, a password widget, dynamic choices.
const downloadUi = ui.nodes[0].uiSchema;
assert.deepEqual(downloadUi['ui:order'], ['clientTimeZone', 'options']);
assert.equal(downloadUi.clientTimeZone['ui:placeholder'], 'Europe/Berlin');
assert.equal(downloadUi.clientTimeZone['ui:options'].optionsSource, 'timeZones');
assert.deepEqual(downloadUi.options.pageSize['ui:options'].showWhen, { returnAll: [true] });
assert.equal(ui.credentials[0].uiSchema.apiKey['ui:widget'], 'password');
assert.equal(ui.credentials[0].uiSchema.baseUrl['ui:widget'], undefined);
console.log(`ok: ${schemas.length} schemas compile in strict mode`);
