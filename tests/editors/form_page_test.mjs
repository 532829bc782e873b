// The form page (examples/editor) in headless Chromium: fills the Download Chat History form
// (a time zone, then Options > Top), reads back the parameters JSON it shows, validates it
// with Ajv in 2020-12 strict mode, and runs it through `nodehost exec` against the emulator:
// the requests must equal those sent for the same parameters typed by hand. Screenshots of
// both forms are kept in SHOT_DIR.
// Usage: node form_page_test.mjs NODEHOST PLUGIN EMULATOR NPM_DIR CHROMIUM SHOT_DIR
import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startEmulator } from './emulator.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [nodehost, plugin, emulatorBin, npmDir, chromiumPath, shotDir] = process.argv.slice(2);
const require = createRequire(path.resolve(npmDir, 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats');

const emu = await startEmulator(emulatorBin, ['--chats', '300']);
const pageServer = spawn(process.execPath, [path.join(here, '../../examples/editor/serve.mjs'), nodehost, plugin, npmDir]);
let browser;
try {
  const url = await new Promise((r) => readline.createInterface({ input: pageServer.stdout }).once('line', r));
  // As root (a container) Chromium's sandbox cannot start; the page is our own.
  browser = await chromium.launch({ executablePath: chromiumPath, args: process.getuid() === 0 ? ['--no-sandbox'] : [] });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  fs.mkdirSync(shotDir, { recursive: true });

  // The form draws the UI schema's hints: the placeholder of the time zone.
  const tz = 'input[name="root[clientTimeZone]"]';
  assert.equal(await page.getAttribute(tz, 'placeholder'), 'Europe/Berlin');
  await page.fill(tz, 'Europe/Berlin');
  await page.press(tz, 'Tab');
  // Optional fields are added the library's way: the object's property list, then a tick.
  const propertyLists = page.locator('button:has-text("Object Properties"):visible');
  await propertyLists.nth(0).click();
  await page.check('#root-options');
  await propertyLists.nth(0).click(); // closes the list
  await propertyLists.nth(1).click();
  await page.check('[id="root.options-top"]:visible');
  await propertyLists.nth(1).click();
  const top = 'input[name="root[options][top]"]';
  await page.fill(top, '5');
  await page.press(top, 'Tab');
  await page.screenshot({ path: path.join(shotDir, 'form-download-chat-history.png'), fullPage: true });
  const fromForm = JSON.parse(await page.textContent('#parameters'));

  await page.selectOption('#node', 'threecx.purgeChats');
  await page.waitForSelector('input[name="root[period]"], select, textarea');
  // Purge Chats starts harmless: no period, Dry Run on (the form's start, start_value.js).
  await page.waitForSelector('[name="root[options][dryRun]"]');
  const dryRun = page.locator('select[name="root[options][dryRun]"]');
  assert.equal(await dryRun.evaluate((e) => e.selectedOptions[0].textContent), 'true');
  assert.deepEqual(JSON.parse(await page.textContent('#parameters')), { options: { dryRun: true } });
  await page.screenshot({ path: path.join(shotDir, 'form-purge-chats.png'), fullPage: true });
  assert.deepEqual(errors, []);

  // What the form produced is valid for the printed schema, in Ajv's strict 2020-12 mode.
  const described = JSON.parse(execFileSync(nodehost, ['describe', plugin], { encoding: 'utf8' }));
  const ajv = new Ajv2020();
  addFormats(ajv);
  const validate = ajv.compile(described.nodes.find((n) => n.type === 'threecx.downloadChatHistory').schema);
  assert.ok(validate(fromForm), JSON.stringify(validate.errors));

  // ...and sends what the same parameters typed by hand send.
  const credFile = path.join(emu.dir, 'credentials.json');
  fs.writeFileSync(credFile, JSON.stringify(emu.credentials));
  const env = { ...process.env, XDG_CACHE_HOME: path.join(emu.dir, 'cache') };
  const run = async (params) => {
    const before = (await emu.requests()).length;
    const out = execFileSync(nodehost, ['exec', plugin, 'threecx.downloadChatHistory', '--params', JSON.stringify(params),
                                        '--credentials', `@${credFile}`], { encoding: 'utf8', env });
    return { records: out.split('\n').filter(Boolean).length,
             seen: (await emu.requests()).slice(before).filter((t) => !t.includes('/connect/token')) };
  };
  const byHand = await run({ clientTimeZone: 'Europe/Berlin', options: { top: 5 } });
  const formRun = await run(fromForm);
  assert.deepEqual(formRun, byHand, `form: ${JSON.stringify(fromForm)}`);
  assert.equal(byHand.records, 5);
  console.log(`ok: the form's ${JSON.stringify(fromForm)} sends ${byHand.seen.join(', ')}`);
} finally {
  if (browser) await browser.close();
  pageServer.kill();
  emu.stop();
}
