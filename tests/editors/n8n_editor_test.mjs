// Our package as an n8n user gets it: the build installed (`cmake --install`, so nodehost and
// the plugin are found where an install puts them, the prefix's bin on PATH as /usr/local/bin
// would be), the installed tarball put into a fresh n8n user folder as the README says
// (`npm install` of it in ~/.n8n/nodes), then `n8n start` on a free loopback port (an owner set
// up through its REST API). Checks, as a user would meet them:
//  1. with nodehost not runnable, the node says what to install and where it looked;
//  2. the node panel's search finds both nodes for "3CX", "threecx" and "chat history";
//  3. the nodes are the package's types (n8n-nodes-threecx-chat.*), the one documented way;
//  4. Client Time Zone offers the IANA names when the PBX cannot be asked;
//  5. a wrong key in the credential's Test says so, and the Test takes no new token;
// then headless Chromium opens a workflow, fills Download Chat History's form (Client Time
// Zone from the PBX's list; Top added, empty, then 3; "Order By" offered), executes the node
// in the editor and sees the emulator's records in the output panel; a screenshot is kept.
// Then the 3CX node (every XAPI operation): found by "XAPI", its Resource dropdown set to
// Website Link (the resources by name, singular), its Operation dropdown then offering that
// resource's operations only, List Weblink chosen, Dry Run turned off, Top 4, executed: the
// emulator's website links shown, 4 items; a screenshot is kept.
// Usage: node n8n_editor_test.mjs N8N_PREFIX BUILD_DIR NPM_BROWSER_DIR CHROMIUM SHOT_DIR EMULATOR
import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from './emulator.mjs';
import { cmakeInstall, installTarball, n8nEnv } from './n8n_env.mjs';

const [prefix, buildDir, browserNpm, chromiumPath, shotDir, emulatorBin] = process.argv.slice(2);
const require = createRequire(path.resolve(browserNpm, 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');
const n8nBin = path.resolve(prefix, 'node_modules', 'n8n', 'bin', 'n8n');
const type = (node) => `n8n-nodes-threecx-chat.${node}`;

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const emu = await startEmulator(emulatorBin, ['--chats', '10']);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wfnode-n8n-ui-'));
const installed = path.join(home, 'install');
const tarball = cmakeInstall(buildDir, installed);
const installedNodehost = path.join(installed, 'bin', 'nodehost');

// The README's lines for users, with HOME the fresh user folder.
const port = await freePort();
const env = {
  ...n8nEnv({ home, installedBin: path.join(installed, 'bin') }),
  HOME: home,
  N8N_PORT: String(port),
  N8N_LISTEN_ADDRESS: '127.0.0.1',
  N8N_SECURE_COOKIE: 'false',
};
installTarball(home, tarball, env);
const good = { id: 'wfnodeCred00001', name: '3CX test PBX', type: 'threecxApi', data: emu.credentials };
const wrong = { id: 'wfnodeCred00002', name: '3CX wrong key', type: 'threecxApi', data: { ...emu.credentials, apiKey: 'not-the-key' } };
const credFile = path.join(home, 'credentials.json');
fs.writeFileSync(credFile, JSON.stringify([good, wrong]));
const workflow = {
  id: 'wfnodeN8nEditor1',
  name: '3CX chat history in the editor',
  active: false,
  settings: { executionOrder: 'v1' },
  connections: { Start: { main: [[{ node: 'Download', type: 'main', index: 0 }, { node: 'XAPI', type: 'main', index: 0 }]] } },
  nodes: [
    { id: 'b0000000-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
    { id: 'b0000000-0000-4000-8000-000000000002', name: 'Download', type: type('threecxDownloadChatHistory'), typeVersion: 1,
      position: [250, 0], parameters: {}, credentials: { threecxApi: { id: good.id, name: good.name } } },
    { id: 'b0000000-0000-4000-8000-000000000003', name: 'XAPI', type: type('threecxXapi'), typeVersion: 1,
      position: [250, 200], parameters: {}, credentials: { threecxApi: { id: good.id, name: good.name } } },
  ],
};
const workflowFile = path.join(home, 'workflow.json');
fs.writeFileSync(workflowFile, JSON.stringify(workflow));
execFileSync(process.execPath, [n8nBin, 'import:credentials', `--input=${credFile}`], { env, stdio: 'ignore' });
execFileSync(process.execPath, [n8nBin, 'import:workflow', `--input=${workflowFile}`], { env, stdio: 'ignore' });
const n8n = spawn(process.execPath, [n8nBin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
n8n.stdout.on('data', (d) => (log += d));
n8n.stderr.on('data', (d) => (log += d));
const base = `http://127.0.0.1:${port}`;
let browser;
let page;
try {
  for (let i = 0; ; i++) {
    // /healthz answers before the REST routes exist; the settings route comes with them.
    const ok = await fetch(`${base}/rest/settings`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 240) throw new Error(`n8n did not start:\n${log.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // The owner route can come a moment after the settings route: asked until it exists.
  let setup;
  for (let i = 0; ; i++) {
    setup = await fetch(`${base}/rest/owner/setup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'owner@example.com', firstName: 'Test', lastName: 'Owner', password: 'Test-only-passw0rd' }),
    });
    if (setup.status !== 404 || i > 120) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(setup.status, 200, await setup.text());
  // The session cookie; a fresh-clone run once got the 200 without it: then the owner just
  // made logs in.
  const authCookie = (r) => (r.headers.get('set-cookie') || '').match(/n8n-auth=([^;]+)/)?.[1];
  let cookie = authCookie(setup);
  for (let i = 0; !cookie && i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const login = await fetch(`${base}/rest/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ emailOrLdapLoginId: 'owner@example.com', password: 'Test-only-passw0rd' }),
    });
    cookie = authCookie(login);
  }
  assert.ok(cookie, 'n8n gave no session cookie after the owner was set up');
  const rest = async (route, body) => {
    const r = await fetch(`${base}/rest/${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: `n8n-auth=${cookie}` },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    assert.equal(r.status, 200, `${route}: ${text}`);
    return JSON.parse(text).data;
  };
  const timeZones = (credential) => rest('dynamic-node-parameters/options', {
    nodeTypeAndVersion: { name: type('threecxDownloadChatHistory'), version: 1 },
    path: 'parameters.clientTimeZone',
    methodName: 'timeZones',
    currentNodeParameters: {},
    credentials: { threecxApi: { id: credential.id, name: credential.name } },
  });

  // 1 and 4: nodehost not runnable. The time-zone list is this machine's, saying why.
  fs.chmodSync(installedNodehost, 0o644);
  let zones;
  try {
    zones = await timeZones(good);
  } finally {
    fs.chmodSync(installedNodehost, 0o755);
  }
  assert.equal(zones[0].value, 'UTC');
  assert.ok(zones.length > 300 && zones.some((z) => z.value === 'Europe/Berlin'), `${zones.length} zones`);
  assert.match(zones[0].description, /nodehost was not found: .*no nodehost is in .*install\/bin, .*\/usr\/bin\b.*\. Install nodehost and the 3CX plugin .*wfnode-nodehost and threecx-wfnode/);
  // With nodehost back (no restart), the PBX's own list.
  const pbxZones = await timeZones(good);
  assert.ok(pbxZones.some((z) => z.value === 'Europe/Berlin') && !/could not be asked/.test(pbxZones[0].description || ''), pbxZones[0].description);

  // 5: the Test button, through nodehost's shared token: no new token for a good key (the
  // options call above took the one), the refusal of a wrong one said as such.
  const test = (credentials) => rest('credentials/test', { credentials });
  const tokensBefore = (await emu.counters()).tokenRequests;
  const passed = await test(good);
  assert.equal(passed.status, 'OK', passed.message);
  assert.equal((await emu.counters()).tokenRequests, tokensBefore);
  const refused = await test(wrong);
  assert.equal(refused.status, 'Error');
  assert.match(refused.message, /^The PBX refused the credential's Client ID or API Key/);

  browser = await chromium.launch({ executablePath: chromiumPath, args: process.getuid() === 0 ? ['--no-sandbox'] : [] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addCookies([{ name: 'n8n-auth', value: cookie, url: base }]);
  page = await context.newPage();
  await page.goto(`${base}/workflow/${workflow.id}`);
  // 3: the workflow of the package's types opens with our node drawn, with our icon.
  const node = page.locator('[data-test-id="canvas-node"]', { hasText: 'Download' });
  await node.waitFor({ timeout: 60000 });
  assert.ok(await node.locator('img[src*="threecx"]').count() > 0, 'the node has no icon of ours');

  // 2: the node panel's search.
  for (const words of ['3CX', 'threecx', 'chat history', 'XAPI']) {
    await page.keyboard.press('Tab');
    const search = page.locator('[data-test-id="node-creator-search-bar"]');
    await search.waitFor({ timeout: 30000 });
    await search.fill(words);
    const items = page.locator('[data-test-id="node-creator-node-item"]');
    await items.first().waitFor({ timeout: 30000 });
    const found = (await items.allInnerTexts()).slice(0, 5).join(' | ');
    if (words !== 'XAPI') assert.match(found, /3CX Download Chat History/, `"${words}" finds ${found}`);
    if (words !== 'chat history') assert.match(found, /3CX Purge Chats/, `"${words}" finds ${found}`);
    // The 3CX node, which has actions, is listed by n8n as an item of its own kind: by name.
    if (words !== 'chat history') {
      const names = await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts();
      assert.ok(names.map((n) => n.trim()).includes('3CX'), `"${words}" finds ${names.join(' | ')}`);
    }
    await page.keyboard.press('Escape');
    await search.waitFor({ state: 'hidden', timeout: 30000 });
  }

  // The form: Client Time Zone from the PBX's list, Top added (empty: the node has no default
  // for it) and set to 3, Order By among the options.
  await node.dblclick();
  const panel = page.locator('[data-test-id="ndv"]');
  const zone = panel.locator('[data-test-id="parameter-input-clientTimeZone"]');
  await zone.waitFor({ timeout: 30000 });
  await zone.click();
  await page.keyboard.type('Berlin'); // the PBX names its zones "(UTC+01:00) Berlin"
  const berlin = page.locator('.el-select-dropdown__item:visible', { hasText: 'Berlin' }).first();
  await berlin.click();
  // The zone list closes with an animation: until it is gone its items are still visible,
  // and would be read as the options' list.
  await berlin.waitFor({ state: 'hidden', timeout: 10000 });
  await panel.getByPlaceholder('Add option').first().click();
  const optionList = page.locator('.el-select-dropdown__item:visible');
  await optionList.filter({ hasText: /^Top$/ }).first().waitFor({ timeout: 10000 });
  const offered = (await optionList.allInnerTexts()).join(' | ');
  assert.match(offered, /Order By/, offered);
  assert.doesNotMatch(offered, /Orderby/, offered);
  await optionList.filter({ hasText: /^Top$/ }).first().click();
  const top = panel.locator('[data-test-id="parameter-input-top"] input').first();
  await top.waitFor({ timeout: 10000 });
  assert.equal(await top.inputValue(), '', 'Top starts filled in');
  await top.fill('3');
  await top.press('Tab');

  await panel.locator('[data-test-id="node-execute-button"]').first().click();
  const output = panel.locator('[data-test-id="output-panel"]');
  await output.getByText('ConversationId').first().waitFor({ timeout: 60000 });
  await output.getByText(/3 items/).first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(500);
  fs.mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: path.join(shotDir, 'n8n-download-chat-history.png') });
  const targets = (await emu.requests()).filter((t) => t.includes('DownloadChatHistory'));
  assert.ok(targets.some((t) => t.includes('$top=3') && t.includes('Europe/Berlin')), targets.join('\n'));

  // The 3CX node: Resource, then the Operation of that resource, then its fields.
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden', timeout: 30000 });
  await page.locator('[data-test-id="canvas-node"]', { hasText: 'XAPI' }).dblclick();
  const choose = async (field, typed, name) => {
    const input = panel.locator(`[data-test-id="parameter-input-${field}"]`);
    await input.waitFor({ timeout: 30000 });
    await input.click();
    if (typed) await page.keyboard.type(typed);
    const list = page.locator('.el-select-dropdown__item:visible');
    // The list opened by the click, not one still closing: the one holding `name`.
    await list.filter({ hasText: name }).first().waitFor({ timeout: 10000 });
    // Each choice shows its name, then its description (an operation's) below it.
    const offered = (await list.allInnerTexts()).map((t) => t.split('\n')[0].trim());
    assert.ok(offered.includes(name), `${field} offers ${offered.join(' | ')}`);
    await list.nth(offered.indexOf(name)).click();
    await list.first().waitFor({ state: 'hidden', timeout: 10000 });  // closed before the next
    return offered;
  };
  const resources = await choose('resource', null, 'Website Link');
  assert.ok(resources.length > 100 && resources.includes('Active Call') && resources.includes('Website Link'), resources.join(' | '));
  assert.deepEqual(resources, [...resources].sort((a, b) => a.localeCompare(b)), 'the resources are not sorted by name');
  const operations = await choose('operation', null, 'List Weblink');
  assert.deepEqual(operations, ['Bulk Links Delete', 'Create Weblink', 'Delete Weblink', 'Get Weblink', 'List Weblink', 'Update Weblink', 'Validate Link']);
  // No field of another operation (the Link of Get Weblink, a body) is shown for a list.
  assert.equal(await panel.locator('[data-test-id="parameter-input-Link"]').count(), 0);
  assert.equal(await panel.locator('[data-test-id="parameter-input-body"]').count(), 0);
  // Dry Run starts on in the editor: turned off to read the links.
  const dryRun = panel.locator('[data-test-id="parameter-input-dryRun"] .el-switch').first();
  await dryRun.waitFor({ timeout: 10000 });
  await dryRun.click();
  await panel.getByPlaceholder('Add option').first().click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: /^Top$/ }).first().click();
  const xapiTop = panel.locator('[data-test-id="parameter-input-top"] input').first();
  await xapiTop.waitFor({ timeout: 10000 });
  await xapiTop.fill('4');
  await xapiTop.press('Tab');
  await panel.locator('[data-test-id="node-execute-button"]').first().click();
  await output.getByText('link-01').first().waitFor({ timeout: 60000 });
  await output.getByText(/4 items/).first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(shotDir, 'n8n-3cx-website-links.png') });
  const links = (await emu.requests()).filter((t) => t.includes('/WebsiteLinks'));
  assert.ok(links.some((t) => /\/xapi\/v1\/WebsiteLinks\?.*\$top=4/.test(t)), links.join('\n'));
  console.log('ok: the installed tarball in n8n: found by search, form filled, executed in the editor, 3 records shown; ' +
              `the 3CX node: ${resources.length} resources, Website Link's ${operations.length} operations, List Weblink executed, 4 links shown`);
} catch (e) {
  console.log(`n8n's log:\n${log.slice(-4000)}`);
  // What the page showed when it failed, beside the screenshots.
  if (page) await page.screenshot({ path: path.join(shotDir, 'n8n-editor-failure.png') }).catch(() => {});
  throw e;
} finally {
  if (browser) await browser.close();
  n8n.kill();
  await new Promise((r) => n8n.once('exit', r));
  fs.rmSync(home, { recursive: true, force: true });
  emu.stop();
}
