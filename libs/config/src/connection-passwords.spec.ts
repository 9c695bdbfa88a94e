import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config';
import { TEST_SECRETS } from './secrets';
import { withPasswordFile } from './connection-passwords';

describe('passwords for the stores, from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passwords-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the file’s first line into the URL, encoded', () => {
    const path = file('redis', 'p@ss/word:1\n');
    const { url, problems } = withPasswordFile('redis://redis:6379/0', 'REDIS_URL', 'F', {
      F: path,
    });
    expect(problems).toEqual([]);
    expect(decodeURIComponent(new URL(url).password)).toBe('p@ss/word:1');
    expect(new URL(url).host).toBe('redis:6379');
  });

  it('leaves the URL alone when no file is named', () => {
    expect(withPasswordFile('redis://a:1', 'REDIS_URL', 'F', {})).toEqual({
      url: 'redis://a:1',
      problems: [],
    });
  });

  it.each([
    ['a missing file', () => join(dir, 'nope'), /F: ENOENT/],
    ['an empty file', () => file('empty', '\n'), /F: .* is empty/],
  ])('refuses %s, naming the setting', (_what, path, message) => {
    const { problems } = withPasswordFile('redis://a:1', 'REDIS_URL', 'F', { F: path() });
    expect(problems).toEqual([expect.stringMatching(message)]);
  });

  it('refuses a URL that carries a password of its own as well', () => {
    const { problems } = withPasswordFile('redis://:other@a:1', 'REDIS_URL', 'F', {
      F: file('p', 'x'),
    });
    expect(problems).toEqual(['REDIS_URL carries a password and F is set: set one']);
  });

  describe('in the config', () => {
    const base = { NODE_ENV: 'test', ...TEST_SECRETS };

    it('gives Redis and Postgres their passwords', () => {
      const config = loadConfig({
        ...base,
        REDIS_URL: 'redis://redis:6379',
        REDIS_PASSWORD_FILE: file('r', 'red\n'),
        DATABASE_URL: 'postgres://flash_app@postgres:5432/flash',
        DATABASE_PASSWORD_FILE: file('d', 'pg\n'),
      });
      expect(new URL(config.redisUrl).password).toBe('red');
      expect(new URL(config.databaseUrl)).toMatchObject({ username: 'flash_app', password: 'pg' });
      expect(config.databaseAppRole).toBeNull();
    });

    it('reads the role the migration step grants, with its password', () => {
      const config = loadConfig({
        ...base,
        DATABASE_APP_ROLE: 'flash_app',
        DATABASE_APP_PASSWORD_FILE: file('a', 'secret\n'),
      });
      expect(config.databaseAppRole).toEqual({ name: 'flash_app', password: 'secret' });
    });

    it.each([
      [{ DATABASE_APP_ROLE: 'flash_app' }, /DATABASE_APP_PASSWORD_FILE is required/],
      [
        { DATABASE_APP_ROLE: 'bad-name;', DATABASE_APP_PASSWORD_FILE: join(dir, 'a') },
        /DATABASE_APP_ROLE must be a plain SQL identifier/,
      ],
      [{ REDIS_PASSWORD_FILE: join(dir, 'missing') }, /REDIS_PASSWORD_FILE: ENOENT/],
    ])('stops on a bad setting, naming it: %j', (extra, message) => {
      expect(() => loadConfig({ ...base, ...extra })).toThrow(message);
    });
  });
});
