// The environment our tests start n8n with: its own user folder and token cache, the
// package (when given) loaded from a folder, the legacy expression engine (the n8n the tests
// install has no isolated-vm build), a fixed encryption key, and nothing that calls home.
import path from 'node:path';

export function n8nEnv({ home, cache, packageDir }) {
  return {
    ...process.env,
    N8N_USER_FOLDER: home,
    ...(packageDir ? { N8N_CUSTOM_EXTENSIONS: path.resolve(packageDir) } : {}),
    N8N_EXPRESSION_ENGINE: 'legacy',
    N8N_ENCRYPTION_KEY: 'test-only-encryption-key',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    XDG_CACHE_HOME: cache,
  };
}
