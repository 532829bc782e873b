// Starts the XAPI emulator on a free loopback port for a Node.js test and reads its admin
// counters; the test stops it (stop()) or it dies with the test's process group.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function startEmulator(binary, args = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfnode-emu-'));
  const portFile = path.join(dir, 'port');
  const proc = spawn(binary, ['--port', '0', '--port-file', portFile, ...args], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !(fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()); i++)
    await new Promise((r) => setTimeout(r, 50));
  const port = fs.readFileSync(portFile, 'utf8').trim();
  const base = `http://127.0.0.1:${port}`;
  return {
    dir,
    base,
    credentials: { baseUrl: base, clientId: 'demo-client', apiKey: 'demo-secret' },
    counters: async () => (await fetch(`${base}/admin/counters`)).json(),
    // The request targets the emulator saw last, decoded, one a line.
    requests: async () => decodeURIComponent(await (await fetch(`${base}/admin/requests`)).text()).split('\n').filter(Boolean),
    stop: () => {
      proc.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
