// n8n in queue mode, as production runs it: PostgreSQL 15 and Redis from Debian, an n8n main
// instance and two workers, each worker with a home of its own (as on machines of their own:
// no shared per-user token cache) and the package installed there from the tarball as the
// README tells admins (after `cmake --install` of this build), all started here on loopback. 20 executions of a workflow
// that purges and exports, triggered through the main instance's webhook, run on the
// workers. With the package's default, the workers' nodehost processes share one 3CX token
// through queue mode's Redis, and the emulator (one active token per client, as 3CX) counts
// one token request. The control, the same run with WFNODE_TOKEN_STORE=off, shows the
// difference: each worker fetches its own, knocking the other's out.
// Usage: node n8n_queue_test.mjs N8N_PREFIX BUILD_DIR EMULATOR REDIS_SERVER PG_BINDIR
import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from './emulator.mjs';
import { cmakeInstall, installTarball, n8nEnv } from './n8n_env.mjs';

const [prefix, buildDir, emulatorBin, redisServer, pgBin] = process.argv.slice(2);
const n8nBin = path.resolve(prefix, 'node_modules', 'n8n', 'bin', 'n8n');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wfnode-queue-'));
fs.chmodSync(work, 0o755);
const installed = path.join(work, 'install');
const tarball = cmakeInstall(buildDir, installed);
const type = (node) => `n8n-nodes-threecx-chat.${node}`;
const children = [];
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Waits for `text` in the file a child writes its output to, or fails naming what it saw.
async function waitForLog(file, text, what, seconds = 120) {
  for (let i = 0; i < seconds * 10; i++) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(text)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not get ready in ${seconds} s:\n${fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-2000) : ''}`);
}
function startLogged(name, command, args, env = process.env) {
  const log = path.join(work, `${name}.log`);
  const out = fs.openSync(log, 'w');
  const proc = spawn(command, args, { env, stdio: ['ignore', out, out] });
  children.push(proc);
  return { proc, log };
}
// PostgreSQL refuses to run as root: then it runs as the "postgres" user Debian's package made.
const asRoot = process.getuid() === 0;
const pg = (tool, args) =>
  execFileSync(asRoot ? 'runuser' : path.join(pgBin, tool), asRoot ? ['-u', 'postgres', '--', path.join(pgBin, tool), ...args] : args, {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });

const pgData = path.join(work, 'pg');
let pgStarted = false;
const pgPort = await freePort();
const redisPort = await freePort();
try {
  const pgRun = path.join(work, 'pg-run');  // its socket and log
  for (const dir of [pgData, pgRun]) {
    fs.mkdirSync(dir);
    if (asRoot) execFileSync('chown', ['postgres', dir]);
  }
  pg('initdb', ['-D', pgData, '-A', 'trust', '-U', 'n8n']);
  pg('pg_ctl', ['-D', pgData, '-w', '-t', '120', '-l', path.join(pgRun, 'postgres.log'),
                '-o', `-p ${pgPort} -k ${pgRun} -h 127.0.0.1`, 'start']);
  pgStarted = true;
  startLogged('redis', redisServer, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => net.connect(redisPort, '127.0.0.1').on('connect', function () { this.end(); r(true); }).on('error', () => r(false)));
    if (ok) break;
    await sleep(100);
  }

  const phase = async (name, extraEnv) => {
    const emu = await startEmulator(emulatorBin, ['--chats', '3000']);
    const db = `n8n_${name}`;
    pg('createdb', ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'n8n', db]);
    const env = (home, more = {}) => ({
      ...n8nEnv({ home, cache: path.join(home, 'cache'), installedBin: path.join(installed, 'bin') }),
      HOME: home,
      DB_TYPE: 'postgresdb', DB_POSTGRESDB_HOST: '127.0.0.1', DB_POSTGRESDB_PORT: String(pgPort),
      DB_POSTGRESDB_DATABASE: db, DB_POSTGRESDB_USER: 'n8n',
      EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_HOST: '127.0.0.1', QUEUE_BULL_REDIS_PORT: String(redisPort),
      QUEUE_BULL_REDIS_DB: '0', QUEUE_BULL_PREFIX: `bull-${name}`,
      N8N_RUNNERS_ENABLED: 'false', N8N_LOG_LEVEL: 'info',
      ...extraEnv, ...more,
    });
    const home = (who) => {
      const dir = path.join(work, name, who);
      fs.mkdirSync(dir, { recursive: true });
      installTarball(dir, tarball, env(dir));
      return dir;
    };
    const mainHome = home('main');
    const n8n = (...args) => execFileSync(process.execPath, [n8nBin, ...args], { env: env(mainHome), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const cred = path.join(work, name, 'credentials.json');
    fs.writeFileSync(cred, JSON.stringify([{ id: 'wfnodeCredQ0001', name: '3CX PBX', type: 'threecxApi', data: emu.credentials }]));
    n8n('import:credentials', `--input=${cred}`);
    const workflowFile = path.join(work, name, 'workflow.json');
    fs.writeFileSync(workflowFile, JSON.stringify(workflow));
    n8n('import:workflow', `--input=${workflowFile}`);
    n8n('update:workflow', `--id=${workflow.id}`, '--active=true');
    const mainPort = await freePort();
    const main = startLogged(`${name}-main`, process.execPath, [n8nBin, 'start'], env(mainHome, { N8N_PORT: String(mainPort) }));
    const workers = [1, 2].map((w) =>
      startLogged(`${name}-worker${w}`, process.execPath, [n8nBin, 'worker', '--concurrency=3'], env(home(`worker${w}`))));
    await waitForLog(main.log, 'Editor is now accessible', `${name}: the n8n main instance`);
    for (const w of workers) await waitForLog(w.log, 'n8n worker is now ready', `${name}: an n8n worker`);

    // 20 executions at once, each asking for its own number of records.
    const asked = Array.from({ length: 20 }, (_, i) => i + 1);
    const answers = await Promise.all(asked.map(async (n) => {
      const r = await fetch(`http://127.0.0.1:${mainPort}/webhook/chats`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }), signal: AbortSignal.timeout(120000),
      });
      return { n, status: r.status, body: await r.text() };
    }));
    const perWorker = workers.map((w) => (fs.readFileSync(w.log, 'utf8').match(/Worker finished execution/g) || []).length);
    // What the workers said about failed executions, for the assertion's message.
    const problems = workers.map((w) => fs.readFileSync(w.log, 'utf8').split('\n').filter((l) => /error|fail/i.test(l)).slice(0, 5).join('\n')).join('\n');
    const counters = await emu.counters();
    for (const p of [main.proc, ...workers.map((w) => w.proc)]) p.kill('SIGTERM');
    await sleep(2000);
    for (const w of workers) assert.ok(!fs.readFileSync(w.log, 'utf8').includes(emu.credentials.apiKey), 'a worker printed the API key');
    emu.stop();
    return { answers, perWorker, counters, problems };
  };

  const workflow = {
    id: 'wfnodeQueue0001', name: 'Export and purge, in queue mode', active: true, settings: { executionOrder: 'v1' },
    connections: {
      Hook: { main: [[{ node: 'Purge', type: 'main', index: 0 }]] },
      Purge: { main: [[{ node: 'Export', type: 'main', index: 0 }]] },
    },
    nodes: [
      { id: 'c0000000-0000-4000-8000-000000000001', name: 'Hook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0],
        webhookId: 'c0000000-0000-4000-8000-0000000000aa',
        parameters: { httpMethod: 'POST', path: 'chats', responseMode: 'lastNode', responseData: 'allEntries' } },
      { id: 'c0000000-0000-4000-8000-000000000002', name: 'Purge', type: type('threecxPurgeChats'), typeVersion: 1, position: [200, 0],
        parameters: { period: "={{ JSON.stringify({ All: false, Start: null, Stop: '2025-01-15T00:00:00Z' }) }}", options: { countBeforePurge: true } },
        credentials: { threecxApi: { id: 'wfnodeCredQ0001', name: '3CX PBX' } } },
      { id: 'c0000000-0000-4000-8000-000000000003', name: 'Export', type: type('threecxDownloadChatHistory'), typeVersion: 1, position: [400, 0],
        parameters: { clientTimeZone: 'UTC', options: { top: "={{ $('Hook').item.json.body.n }}" } },
        credentials: { threecxApi: { id: 'wfnodeCredQ0001', name: '3CX PBX' } } },
    ],
  };

  const check = (name, run) => {
    for (const a of run.answers) {
      assert.equal(a.status, 200, `${name}: execution ${a.n}: HTTP ${a.status}: ${a.body.slice(0, 300)}\n${run.problems}`);
      const records = JSON.parse(a.body);
      assert.equal(records.length, a.n, `${name}: execution ${a.n} handed on ${records.length} records`);
      for (const r of records) {
        assert.equal(typeof r.ConversationId, 'number', `${name}: execution ${a.n}: ${JSON.stringify(r).slice(0, 200)}`);
        assert.ok(r.TimeSent > '2025-01-15', `${name}: a purged chat was exported: ${r.TimeSent}`);
      }
    }
    assert.equal(run.perWorker.reduce((a, b) => a + b, 0), 20, `${name}: executions per worker ${run.perWorker}`);
    assert.ok(run.perWorker.every((n) => n > 0), `${name}: the executions did not spread over both workers: ${run.perWorker}`);
    assert.equal(run.counters.purges, 20, `${name}: ${run.counters.purges} purges`);
  };
  const shared = await phase('shared', {});
  check('shared token', shared);
  // The control is what the issue measured: workers knocking each other's token out, some
  // executions failing for it. Its executions are counted, not required to succeed.
  const control = await phase('control', { WFNODE_TOKEN_STORE: 'off' });
  const failed = control.answers.filter((a) => a.status !== 200).length;
  console.log(`queue mode, 20 executions over two workers (${shared.perWorker.join(' + ')}): ` +
    `${shared.counters.tokenRequests} token request(s) with the shared Redis store, every execution complete; ` +
    `without it ${control.counters.tokenRequests} token requests, ${control.counters.unauthorised} answers 401, ` +
    `${failed} of 20 executions failed (${control.perWorker.join(' + ')})`);
  assert.equal(shared.counters.tokenRequests, 1, 'the workers did not share one token');
  assert.ok(control.counters.tokenRequests >= 2, 'the control shared a token without the store: the test would prove nothing');
} finally {
  for (const c of children) c.kill('SIGKILL');
  if (pgStarted) pg('pg_ctl', ['-D', pgData, '-m', 'immediate', 'stop']);
  await sleep(500);
  fs.rmSync(work, { recursive: true, force: true });
}
