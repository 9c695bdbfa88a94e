import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAND_IN_SECRETS } from '../../../loadtest/k6/k6-stand-ins';
import {
  PUBLISHED_VALUES,
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

  it('takes published values only where the test runner sets them, and never fills a gap with them', () => {
    // NODE_ENV=test alone no longer opens the door: no secrets set means generated ones.
    const none = resolveSecrets({ SECRETS_DIR: dir }, 'test');
    expect(none).toMatchObject({ ok: true, source: 'generated' });
    if (none.ok)
      for (const value of Object.values(none.secrets))
        expect(PUBLISHED_VALUES).not.toContain(value);
    // One secret set under test is half a configuration, as anywhere else.
    expect(resolveSecrets({ JWT_SECRET: 'j'.repeat(40) }, 'test').ok).toBe(false);
    // Set by the runner with NODE_ENV=test: accepted, and marked as published.
    const runner = resolveSecrets({ ...TEST_SECRETS }, 'test');
    expect(runner).toMatchObject({ ok: true, source: 'published' });
    if (runner.ok) expect(runner.origins.JWT_SECRET).toContain('published test value');
    // Anywhere else, any published value is refused, the k6 stand-in's included.
    const k6 = 'stand-in-secret-for-k6-evaluation-only-0';
    for (const nodeEnv of ['development', 'production']) {
      expect(resolveSecrets({ ...TEST_SECRETS }, nodeEnv).ok).toBe(false);
      const withK6 = resolveSecrets(
        {
          JWT_SECRET: k6,
          ADMISSION_TOKEN_SECRET: 'a'.repeat(40),
          PAYMENT_WEBHOOK_SECRET: 'w'.repeat(40),
        },
        nodeEnv,
      );
      expect(withK6).toEqual({
        ok: false,
        problems: ['JWT_SECRET is a published test value; outside NODE_ENV=test set your own'],
      });
    }
  });

  it('keeps the k6 stand-in secret among the published values', () => {
    expect(PUBLISHED_VALUES).toContain(STAND_IN_SECRETS.JWT_SECRET);
  });

  it('refuses a webhook secret equal to another secret', () => {
    const same = 's'.repeat(40);
    for (const other of ['JWT_SECRET', 'ADMISSION_TOKEN_SECRET']) {
      const env = {
        JWT_SECRET: 'j'.repeat(40),
        ADMISSION_TOKEN_SECRET: 'a'.repeat(40),
        PAYMENT_WEBHOOK_SECRET: same,
        [other]: same,
      };
      expect(resolveSecrets(env, 'development')).toEqual({
        ok: false,
        problems: ['PAYMENT_WEBHOOK_SECRET must differ from JWT_SECRET and ADMISSION_TOKEN_SECRET'],
      });
    }
  });

  it('names where each secret came from, never its value', () => {
    const path = join(dir, 'webhook');
    writeFileSync(path, 'w'.repeat(40));
    const result = resolveSecrets(
      {
        JWT_SECRET: 'j'.repeat(40),
        ADMISSION_TOKEN_SECRET: 'a'.repeat(40),
        PAYMENT_WEBHOOK_SECRET_FILE: path,
      },
      'production',
    );
    expect(result).toMatchObject({
      ok: true,
      origins: {
        JWT_SECRET: 'the environment',
        ADMISSION_TOKEN_SECRET: 'the environment',
        PAYMENT_WEBHOOK_SECRET: `the file ${path}`,
      },
    });
  });

  it('refuses NAME and NAME_FILE together', () => {
    expect(resolveSecrets({ JWT_SECRET: 'x'.repeat(40), JWT_SECRET_FILE: '/x' }, 'test')).toEqual({
      ok: false,
      problems: ['set JWT_SECRET or JWT_SECRET_FILE, not both'],
    });
  });
});
