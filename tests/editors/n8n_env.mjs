// The environment our tests start n8n with: its own user folder and token cache, the
// package either loaded from a folder (development) or installed from the tarball as users
// install it, the legacy expression engine (the n8n the tests install has no isolated-vm
// build), a fixed encryption key, and nothing that calls home.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The variables a developer's shell may hold that would make n8n or the package find our
// build instead of what a user installed.
const developmentOverrides = ['WFNODE_NODEHOST', 'WFNODE_PLUGIN', 'WFNODE_PLUGIN_PATH', 'N8N_CUSTOM_EXTENSIONS'];

export function n8nEnv({ home, cache, packageDir, installedBin }) {
  const env = { ...process.env };
  if (installedBin) {
    for (const k of developmentOverrides) delete env[k];
    env.PATH = `${installedBin}:${process.env.PATH}`;
  }
  return {
    ...env,
    N8N_USER_FOLDER: home,
    ...(packageDir ? { N8N_CUSTOM_EXTENSIONS: path.resolve(packageDir) } : {}),
    N8N_EXPRESSION_ENGINE: 'legacy',
    N8N_ENCRYPTION_KEY: 'test-only-encryption-key',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    ...(cache ? { XDG_CACHE_HOME: cache } : {}),
  };
}

// `cmake --install` of the build into `prefix`, as a user's install puts nodehost, the plugin
// and the tarball; returns the tarball's path under share/.
export function cmakeInstall(buildDir, prefix) {
  execFileSync('cmake', ['--install', buildDir, '--prefix', prefix], { stdio: 'ignore' });
  return path.join(prefix, 'share', 'wfnode', 'n8n', 'n8n-nodes-threecx-chat.tgz');
}

// The README's line for n8n admins: `npm install` of the tarball in <user folder>/.n8n/nodes.
// Returns the nodes folder; fails if npm brought its own n8n-workflow (n8n's must be used).
export function installTarball(home, tarball, env) {
  const nodesDir = path.join(home, '.n8n', 'nodes');
  fs.mkdirSync(nodesDir, { recursive: true });
  execFileSync('npm', ['install', tarball, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: nodesDir, env, stdio: 'inherit' });
  if (fs.existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))) throw new Error('npm installed a copy of n8n-workflow');
  return nodesDir;
}
