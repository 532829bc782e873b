// Where nodehost and the 3CX plugin are, found when the first request needs them: the
// environment (WFNODE_NODEHOST, WFNODE_PLUGIN) wins; a package generated in a build tree
// uses that build's (build-tree.json, never packed); an installed package looks for nodehost
// on PATH and in the usual install folders, checks its version, and asks it which plugin
// offers our nodes (nodehost's plugin discovery: WFNODE_PLUGIN_PATH, then the install's
// plugin folder). A failure says what to install and where it looked; nothing found is
// kept, so installing nodehost needs no restart of n8n.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageRoot = path.join(__dirname, '..', '..');
const pkg = require('../../package.json');

const remedy =
  'Install nodehost and the 3CX plugin on every machine that runs this n8n (the Debian packages ' +
  `wfnode-nodehost and threecx-wfnode, or \`cmake --install\` of threecx-wfnode ${pkg.wfnode.nodehost} or later), ` +
  'or set WFNODE_NODEHOST (and WFNODE_PLUGIN) in the environment n8n starts with, then retry. ' +
  `See ${pkg.wfnode.documentation}`;

class HostError extends Error {
  constructor(problem) {
    super(`${problem}. ${remedy}`);
    this.kind = 'nodehost missing';
    this.problem = problem;
  }
}

function isExecutableFile(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function buildTree() {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot, 'build-tree.json'), 'utf8'));
  } catch {
    return null;
  }
}

function findNodehost(tree) {
  const named = process.env.WFNODE_NODEHOST;
  if (named) {
    if (!isExecutableFile(named)) throw new HostError(`WFNODE_NODEHOST names ${named}, which is not an executable file`);
    return named;
  }
  if (tree && isExecutableFile(tree.nodehost)) return tree.nodehost;
  const folders = [...new Set([...(process.env.PATH || '').split(path.delimiter).filter(Boolean), '/usr/local/bin', '/usr/bin'])];
  for (const folder of folders) {
    const candidate = path.join(folder, 'nodehost');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new HostError(`nodehost was not found: WFNODE_NODEHOST is not set and no nodehost is in ${folders.join(', ')}`);
}

const parseVersion = (text) => {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text || '');
  return m ? m.slice(1).map(Number) : null;
};

// The same major version, and no older than the nodehost this package was generated with.
function checkVersion(nodehost) {
  const run = spawnSync(nodehost, ['--version'], { encoding: 'utf8', timeout: 15000 });
  const printed = (run.stdout || '').trim();
  const have = parseVersion(printed.replace(/^nodehost /, ''));
  const need = parseVersion(pkg.wfnode.nodehost);
  if (!have)
    throw new HostError(`${nodehost} --version did not print a nodehost version (${run.error ? run.error.message : printed || (run.stderr || '').trim() || 'nothing'})`);
  const older = have[0] !== need[0] || have[1] < need[1] || (have[1] === need[1] && have[2] < need[2]);
  if (older) throw new HostError(`${nodehost} is nodehost ${have.join('.')}; this package needs ${need[0]}.x at ${pkg.wfnode.nodehost} or later`);
}

function findPlugin(nodehost, tree) {
  const named = process.env.WFNODE_PLUGIN;
  if (named) {
    if (!fs.existsSync(named)) throw new HostError(`WFNODE_PLUGIN names ${named}, which does not exist`);
    return named;
  }
  if (tree && !process.env.WFNODE_NODEHOST && fs.existsSync(tree.plugin)) return tree.plugin;
  // `nodehost list`: one line per plugin found (id TAB name and versions TAB path), its
  // nodes indented below it.
  const run = spawnSync(nodehost, ['list'], { encoding: 'utf8', timeout: 30000 });
  for (const line of (run.stdout || '').split('\n')) {
    const [id, , file] = line.split('\t');
    if (id === pkg.wfnode.pluginId && file) return file;
  }
  const said = [run.error && run.error.message, (run.stderr || '').trim()].filter(Boolean).join('; ');
  throw new HostError(`${nodehost} found no plugin ${pkg.wfnode.pluginId} (the 3CX plugin) on its plugin search path ` +
                      `(WFNODE_PLUGIN_PATH, then the plugin folder of nodehost's install)${said ? ` (${said})` : ''}`);
}

let found = null;

// { nodehost, plugin }, or throws a HostError.
function locateHost() {
  if (found) return found;
  const tree = buildTree();
  const nodehost = findNodehost(tree);
  checkVersion(nodehost);
  found = { nodehost, plugin: findPlugin(nodehost, tree) };
  return found;
}

function forgetHost() {
  found = null;
}

module.exports = { locateHost, forgetHost, HostError };
