import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REDIS_CONF_FILE,
  STACK_PASSWORD_FILES,
  loadOrCreateStackPasswords,
  shareSecrets,
} from './stack-passwords';

describe("the stack's own passwords", () => {
  let dir: string;
  beforeEach(() => (dir = join(mkdtempSync(join(tmpdir(), 'stack-')), 'secrets')));
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
  const mode = (name: string) => statSync(join(dir, name)).mode & 0o777;

  it('are generated once, and kept', () => {
    const first = loadOrCreateStackPasswords(dir);
    expect(first.redis).not.toBe(first.database);
    expect(first.redis).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(loadOrCreateStackPasswords(dir)).toEqual(first);
  });

  it('give Redis a file of directives with the same password, for itself and its primary', () => {
    const { redis } = loadOrCreateStackPasswords(dir);
    const conf = readFileSync(join(dir, REDIS_CONF_FILE), 'utf8');
    expect(conf).toContain(`\nrequirepass ${redis}\n`);
    expect(conf).toContain(`\nmasterauth ${redis}\n`);
  });

  it("keep the apps' files to their owner, and the directory unlistable", () => {
    loadOrCreateStackPasswords(dir);
    expect(mode(STACK_PASSWORD_FILES.redis)).toBe(0o600);
    expect(mode(STACK_PASSWORD_FILES.database)).toBe(0o600);
    expect(mode(REDIS_CONF_FILE)).toBe(0o644);
    expect(statSync(dir).mode & 0o777).toBe(0o711);
  });

  it('refuse a password file someone broke, rather than guess', () => {
    loadOrCreateStackPasswords(dir);
    writeFileSync(join(dir, STACK_PASSWORD_FILES.database), 'short\n');
    expect(() => loadOrCreateStackPasswords(dir)).toThrow(/database-password does not hold/);
  });

  it('refuse a redis.conf that no longer matches the password the apps use', () => {
    loadOrCreateStackPasswords(dir);
    writeFileSync(join(dir, STACK_PASSWORD_FILES.redis), `${'x'.repeat(32)}\n`);
    expect(() => loadOrCreateStackPasswords(dir)).toThrow(/redis.conf does not hold/);
  });
});

describe('secrets shared by the apps and the host', () => {
  const root = mkdtempSync(join(tmpdir(), 'share-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // chown to another uid needs root: the generator runs as root in compose, and so does CI.
  const asRoot = process.getuid?.() === 0 ? it : it.skip;

  asRoot("go to the apps' uid and the directory's group, readable by both", () => {
    const dir = join(root, 'secrets');
    mkdirSync(dir);
    chownSync(dir, 0, 4242);
    loadOrCreateStackPasswords(dir);
    const files = [STACK_PASSWORD_FILES.redis, STACK_PASSWORD_FILES.database, REDIS_CONF_FILE];
    shareSecrets(dir, files, 1000);
    for (const name of files) {
      const stat = statSync(join(dir, name));
      expect({ name, uid: stat.uid, gid: stat.gid }).toEqual({ name, uid: 1000, gid: 4242 });
    }
    expect(statSync(join(dir, STACK_PASSWORD_FILES.redis)).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, REDIS_CONF_FILE)).mode & 0o777).toBe(0o644);
    expect(statSync(dir).mode & 0o777).toBe(0o711);
  });
});
