import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SECRETS_DIR, SECRET_NAMES, loadConfig } from '@flash/config';
import { COMPOSE_API_URL } from '../../loadtest/driver/targets';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

function example(): Map<string, string> {
  const entries = read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    });
  return new Map(entries);
}

/** `${NAME:-default}` in docker-compose.yml: what compose falls back to. */
function composeDefaults(): Map<string, string> {
  const found = [...read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*):-([^}]*)\}/g)];
  return new Map(found.map(([, name, fallback]) => [name, fallback]));
}

/** Every variable the typed config reads (a quoted upper-case name in its sources). */
function configNames(): string[] {
  const source = read('libs/config/src/app-config.ts') + read('libs/config/src/secrets.ts');
  const quoted = [...source.matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]);
  // Not variables: the NAME_FILE forms, and Node's error codes (ENOENT, EEXIST).
  return [...new Set(quoted)].filter((name) => !name.endsWith('_FILE') && !/^E[A-Z]+$/.test(name));
}

describe('.env.example', () => {
  const env = example();

  it('lists every variable of the config and of docker-compose.yml, and nothing else', () => {
    const expected = new Set([...configNames(), ...composeDefaults().keys(), 'LOADTEST_URL']);
    expect([...env.keys()].sort()).toEqual([...expected].sort());
  });

  it("gives the config's own defaults", () => {
    const fromExample = Object.fromEntries(
      [...env].filter(([name]) => configNames().includes(name)),
    );
    // The secrets are left empty, to be generated; here into a directory of the test's own.
    expect(env.get('SECRETS_DIR')).toBe(DEFAULT_SECRETS_DIR);
    for (const name of SECRET_NAMES)
      expect({ name, value: env.get(name) }).toEqual({ name, value: '' });
    const secretsDir = mkdtempSync(join(tmpdir(), 'flash-env-example-'));
    try {
      expect(loadConfig({ ...fromExample, SECRETS_DIR: secretsDir })).toEqual(
        loadConfig({ SECRETS_DIR: secretsDir }),
      );
    } finally {
      rmSync(secretsDir, { recursive: true, force: true });
    }
  });

  it("gives compose's defaults and the driver's", () => {
    for (const [name, fallback] of composeDefaults())
      expect({ name, value: env.get(name) }).toEqual({ name, value: fallback });
    expect(env.get('LOADTEST_URL')).toBe(COMPOSE_API_URL);
  });
});
