// n8n's editor with our package: `n8n start` on a free loopback port (an owner set up through
// its REST API, the test workflow imported), headless Chromium opens the workflow, double-
// clicks the Download Chat History node and keeps a screenshot of its parameter panel. Checks
// that the panel shows our fields and the node carries our icon, and that Page Size stays
// hidden until Return All (displayOptions). The credential's Test (n8n's own credential test,
// through its REST API) fetches a token from the emulator: accepted for the right key,
// refused for a wrong one.
// Usage: node n8n_editor_test.mjs N8N_PREFIX PACKAGE_DIR NPM_BROWSER_DIR CHROMIUM SHOT_DIR EMULATOR
import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './emulator.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [prefix, packageDir, browserNpm, chromiumPath, shotDir, emulatorBin] = process.argv.slice(2);
const require = createRequire(path.resolve(browserNpm, 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');
const n8nBin = path.resolve(prefix, 'node_modules', 'n8n', 'bin', 'n8n');

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
const emu = await startEmulator(emulatorBin, ['--chats', '10']);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wfnode-n8n-ui-'));
const port = await freePort();
const env = {
  ...process.env,
  HOME: home,
  N8N_USER_FOLDER: home,
  N8N_CUSTOM_EXTENSIONS: path.resolve(packageDir),
  N8N_EXPRESSION_ENGINE: 'legacy',
  N8N_ENCRYPTION_KEY: 'test-only-encryption-key',
  N8N_PORT: String(port),
  N8N_LISTEN_ADDRESS: '127.0.0.1',
  N8N_SECURE_COOKIE: 'false',
  N8N_DIAGNOSTICS_ENABLED: 'false',
  N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
  N8N_TEMPLATES_ENABLED: 'false',
  N8N_PERSONALIZATION_ENABLED: 'false',
  N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
};
const good = { id: 'wfnodeCred00001', name: '3CX test PBX', type: 'threecxApi', data: emu.credentials };
const wrong = { id: 'wfnodeCred00002', name: '3CX wrong key', type: 'threecxApi', data: { ...emu.credentials, apiKey: 'not-the-key' } };
const credFile = path.join(home, 'credentials.json');
fs.writeFileSync(credFile, JSON.stringify([good, wrong]));
execFileSync(process.execPath, [n8nBin, 'import:credentials', `--input=${credFile}`], { env, stdio: 'ignore' });
execFileSync(process.execPath, [n8nBin, 'import:workflow', `--input=${path.join(here, 'n8n_workflow.json')}`], { env, stdio: 'ignore' });
const n8n = spawn(process.execPath, [n8nBin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
let log = '';
n8n.stdout.on('data', (d) => (log += d));
n8n.stderr.on('data', (d) => (log += d));
const base = `http://127.0.0.1:${port}`;
let browser;
try {
  for (let i = 0; ; i++) {
    // /healthz answers before the REST routes exist; the settings route comes with them.
    const ok = await fetch(`${base}/rest/settings`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 240) throw new Error(`n8n did not start:\n${log.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const setup = await fetch(`${base}/rest/owner/setup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'owner@example.com', firstName: 'Test', lastName: 'Owner', password: 'Test-only-passw0rd' }),
  });
  assert.equal(setup.status, 200, await setup.text());
  const cookie = setup.headers.get('set-cookie').match(/n8n-auth=([^;]+)/)[1];

  // The credential's Test button: n8n sends our declarative token request to the PBX.
  const test = async (credentials) => {
    const r = await fetch(`${base}/rest/credentials/test`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: `n8n-auth=${cookie}` },
      body: JSON.stringify({ credentials }),
    });
    assert.equal(r.status, 200);
    return (await r.json()).data;
  };
  const tokensBefore = (await emu.counters()).tokenRequests;
  assert.equal((await test(good)).status, 'OK');
  assert.equal((await test(wrong)).status, 'Error');
  assert.equal((await emu.counters()).tokenRequests, tokensBefore + 2);

  browser = await chromium.launch({ executablePath: chromiumPath, args: process.getuid() === 0 ? ['--no-sandbox'] : [] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addCookies([{ name: 'n8n-auth', value: cookie, url: base }]);
  const page = await context.newPage();
  await page.goto(`${base}/workflow/wfnodeN8nTest01`);
  const node = page.locator('[data-test-id="canvas-node"]', { hasText: 'Download' });
  await node.waitFor({ timeout: 60000 });
  // Our icon, served by n8n from the package.
  assert.ok(await node.locator('img[src*="threecx"]').count() > 0, 'the node has no icon of ours');
  await node.dblclick();
  const panel = page.locator('[data-test-id="ndv"]');
  await panel.getByText('Client Time Zone').first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(500);
  fs.mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: path.join(shotDir, 'n8n-download-chat-history.png') });
  const text = await panel.innerText();
  assert.match(text, /Options/);
  assert.doesNotMatch(text, /Page Size/); // only under Return All
  console.log('ok: n8n drew the node and its parameter panel');
} finally {
  if (browser) await browser.close();
  n8n.kill();
  await new Promise((r) => n8n.once('exit', r));
  fs.rmSync(home, { recursive: true, force: true });
  emu.stop();
}
