// Serves the form page on loopback: the page, the form library from an npm folder, and what
// `nodehost describe` prints for the plugin. Prints the page's address.
// Usage: node serve.mjs NODEHOST PLUGIN NPM_DIR [PORT]
//   (NPM_DIR holds node_modules/@json-editor/json-editor: npm install --prefix NPM_DIR @json-editor/json-editor)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [nodehost, plugin, npmDir, port = '0'] = process.argv.slice(2);
const describe = (format) => execFileSync(nodehost, ['describe', plugin, '--format', format]);
const files = {
  '/': [fs.readFileSync(path.join(here, 'index.html')), 'text/html'],
  '/form.js': [fs.readFileSync(path.join(here, 'form.js')), 'text/javascript'],
  '/start_value.js': [fs.readFileSync(path.join(here, 'start_value.js')), 'text/javascript'],
  '/vendor/jsoneditor.js': [fs.readFileSync(path.join(npmDir, 'node_modules/@json-editor/json-editor/dist/jsoneditor.js')), 'text/javascript'],
  '/describe.json': [describe('json-schema'), 'application/json'],
  '/ui-schema.json': [describe('ui-schema'), 'application/json'],
};
const server = http.createServer((req, res) => {
  const f = files[new URL(req.url, 'http://x').pathname];
  if (!f) return res.writeHead(404).end();
  res.writeHead(200, { 'Content-Type': f[1] }).end(f[0]);
});
server.listen(Number(port), '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}/`));
