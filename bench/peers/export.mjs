// The Node.js peer: what a user would write with fetch. Reads the client credentials from the
// file in BENCH_CREDENTIALS (never argv), takes a token, fetches each page listed in the file
// given as the first argument (paths, one per line), parses it and writes each record as one
// JSON line to stdout.
import { readFileSync, writeSync } from 'node:fs';

const creds = JSON.parse(readFileSync(process.env.BENCH_CREDENTIALS, 'utf8'));
const paths = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const gzip = process.env.BENCH_GZIP === '1';

const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.apiKey });
const tokenAnswer = await fetch(`${creds.baseUrl}/connect/token`, { method: 'POST', body: form });
if (!tokenAnswer.ok) throw new Error(`token: HTTP ${tokenAnswer.status}`);
const { access_token: token } = await tokenAnswer.json();

for (const path of paths) {
  const answer = await fetch(creds.baseUrl + path, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Accept-Encoding': gzip ? 'gzip' : 'identity' },
  });
  if (!answer.ok) throw new Error(`${path}: HTTP ${answer.status}`);
  const page = await answer.json();
  writeSync(1, page.value.map((record) => JSON.stringify(record)).join('\n') + '\n');
}
