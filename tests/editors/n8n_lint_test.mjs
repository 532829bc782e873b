// n8n's own linters for community nodes over the packed package (the tarball users install):
// eslint-plugin-n8n-nodes-base (its nodes, credentials and community package.json rulesets,
// as n8n's node starter runs them) and @n8n/eslint-plugin-community-nodes (n8n's review
// rules for community packages, its "recommended" set). Every report fails the test, except
// what running nodehost, a native program, takes, which keeps the package off n8n Cloud:
// the two rules n8n itself drops for packages not meant for Cloud (its
// recommendedWithoutN8nCloudSupport: no-restricted-imports, of child_process, fs and path;
// no-restricted-globals, of process.env where WFNODE_NODEHOST is read), and
// no-dangerous-functions for child_process's spawn alone (any other dangerous function
// fails). Each allowed report is printed with its place, so a new one shows.
// Both rulesets recognise node files by their TypeScript names (X.node.ts): each shipped
// .js file is linted under that name (JavaScript is TypeScript), unchanged.
// Usage: node n8n_lint_test.mjs TARBALL NPM_LINT_DIR
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const [tarball, lintNpm] = process.argv.slice(2);
const require = createRequire(path.resolve(lintNpm, 'node_modules', 'x.js'));
const { ESLint } = require('eslint');
const base = require('eslint-plugin-n8n-nodes-base');
const tsParser = require('@typescript-eslint/parser');
const community = (await import(require.resolve('@n8n/eslint-plugin-community-nodes'))).default;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wfnode-n8n-lint-'));
try {
  execFileSync('tar', ['xzf', path.resolve(tarball), '-C', work]);
  const root = path.join(work, 'package');
  for (const file of execFileSync('find', [root, '-name', '*.node.js', '-o', '-name', '*.credentials.js'], { encoding: 'utf8' }).split('\n').filter(Boolean))
    fs.renameSync(file, file.replace(/\.js$/, '.ts'));

  const cloudOnly = ['@n8n/community-nodes/no-restricted-imports', '@n8n/community-nodes/no-restricted-globals'];
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts', '**/*.js', 'package.json'], languageOptions: { parser: tsParser, parserOptions: { extraFileExtensions: ['.json'] } } },
      { files: ['package.json'], plugins: { 'n8n-nodes-base': base }, rules: base.configs.community.rules },
      { files: ['**/*.credentials.ts'], plugins: { 'n8n-nodes-base': base }, rules: base.configs.credentials.rules },
      { files: ['**/*.node.ts'], plugins: { 'n8n-nodes-base': base }, rules: base.configs.nodes.rules },
      { files: ['**/*.ts', '**/*.js', 'package.json'], ...community.configs.recommended },
    ],
  });
  const results = await eslint.lintFiles(['package.json', 'dist/**/*.ts', 'dist/**/*.js']);
  const linted = results.map((r) => path.relative(root, r.filePath));
  assert.ok(linted.includes('package.json') && linted.some((f) => f.endsWith('.node.ts')) && linted.some((f) => f.endsWith('.credentials.ts')),
            `the linters saw too little: ${linted.join(', ')}`);
  const problems = [];
  const allowed = new Map();
  for (const r of results)
    for (const m of r.messages) {
      const where = `${path.relative(root, r.filePath)}:${m.line}:${m.column}`;
      const spawnsNodehost = m.ruleId === '@n8n/community-nodes/no-dangerous-functions' && /from `child_process`/.test(m.message);
      if (cloudOnly.includes(m.ruleId) || spawnsNodehost) allowed.set(m.ruleId, [...(allowed.get(m.ruleId) || []), where]);
      else problems.push(`${where} ${m.ruleId || 'parse'}: ${m.message}`);
    }
  for (const [rule, places] of allowed) console.log(`allowed (self-hosted n8n only): ${rule} at ${places.join(', ')}`);
  assert.deepEqual(problems, [], `n8n's linters report:\n${problems.join('\n')}`);
  console.log(`ok: ${linted.length} files of the package pass n8n's linters (${linted.join(', ')})`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
