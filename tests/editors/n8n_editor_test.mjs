// n8n's editor with our package: `n8n start` on a free loopback port (an owner set up through
// its REST API, the test workflow imported), headless Chromium opens the workflow, double-
// clicks the Download Chat History node and keeps a screenshot of its parameter panel. Checks
// that the panel shows our fields and the node carries our icon, and that Page Size stays
// hidden until Return All (displayOptions).
// Usage: node n8n_editor_test.mjs N8N_PREFIX PACKAGE_DIR NPM_BROWSER_DIR CHROMIUM SHOT_DIR
import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [prefix, packageDir, browserNpm, chromiumPath, shotDir] = process.argv.slice(2);
const require = createRequire(path.resolve(browserNpm, 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');
const n8nBin = path.resolve(prefix, 'node_modules', 'n8n', 'bin', 'n8n');

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
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
}
