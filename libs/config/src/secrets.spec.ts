import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SECRETS_FILE,
  TEST_SECRETS,
  loadOrCreateSecrets,
  localJwtSecret,
  resolveSecrets,
} from './secrets';

describe('secrets', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'flash-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates them once per install, private to its owner, and every process reads the same', () => {
    const first = resolveSecrets({ SECRETS_DIR: dir }, 'development');
    const second = resolveSecrets({ SECRETS_DIR: dir }, 'development');
    expect(first).toMatchObject({ ok: true, source: 'generated' });
    expect(second).toEqual(first);
    if (!first.ok) throw new Error('unreachable');
    const values = Object.values(first.secrets);
    expect(new Set(values).size).toBe(3);
    for (const value of values) expect(value.length).toBeGreaterThanOrEqual(32);
    for (const value of values) expect(Object.values(TEST_SECRETS)).not.toContain(value);
    expect(statSync(join(dir, SECRETS_FILE)).mode & 0o077).toBe(0);
    expect(localJwtSecret({ SECRETS_DIR: dir })).toBe(first.secrets.JWT_SECRET);
  });

  it('keeps what another process created first', () => {
    const theirs = {
      JWT_SECRET: 'a'.repeat(43),
      ADMISSION_TOKEN_SECRET: 'b'.repeat(43),
      PAYMENT_WEBHOOK_SECRET: 'c'.repeat(43),
    };
    writeFileSync(join(dir, SECRETS_FILE), JSON.stringify(theirs));
    expect(loadOrCreateSecrets(dir)).toEqual(theirs);
  });

  it('refuses a secrets file that does not hold the three secrets', () => {
    writeFileSync(join(dir, SECRETS_FILE), JSON.stringify({ JWT_SECRET: 'short' }));
    const result = resolveSecrets({ SECRETS_DIR: dir }, 'development');
    expect(result).toEqual({
      ok: false,
      problems: [expect.stringContaining('does not hold the three secrets')],
    });
  });

  it('reads NAME_FILE, and never generates in production', () => {
    const files = ['jwt', 'admission', 'webhook'].map((name, i) => {
      const path = join(dir, name);
      writeFileSync(path, `${String.fromCharCode(100 + i).repeat(40)}\n`);
      return path;
    });
    const result = resolveSecrets(
      {
        JWT_SECRET_FILE: files[0],
        ADMISSION_TOKEN_SECRET_FILE: files[1],
        PAYMENT_WEBHOOK_SECRET_FILE: files[2],
      },
      'production',
    );
    expect(result).toMatchObject({ ok: true, source: 'environment' });
    if (result.ok) expect(result.secrets.JWT_SECRET).toBe('d'.repeat(40));
    expect(resolveSecrets({ SECRETS_DIR: dir, JWT_SECRET: 'x' }, 'production').ok).toBe(false);
    const none = resolveSecrets({ SECRETS_DIR: dir }, 'production');
    expect(none.ok).toBe(false);
    expect(readFileSync(files[0], 'utf8')).toContain('d');
  });

  it('refuses NAME and NAME_FILE together', () => {
    expect(resolveSecrets({ JWT_SECRET: 'x'.repeat(40), JWT_SECRET_FILE: '/x' }, 'test')).toEqual({
      ok: false,
      problems: ['set JWT_SECRET or JWT_SECRET_FILE, not both'],
    });
  });
});
