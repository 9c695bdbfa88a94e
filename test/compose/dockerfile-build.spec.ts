import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The sources the Dockerfile's build stage copies in, before `npm run build`. */
function buildStageCopies(dockerfile: string): string[] {
  const stage = dockerfile.split(/^FROM /m).find((s) => /^\S+ AS build\b/.test(s)) ?? '';
  return [...stage.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => {
    const parts = m[1].trim().split(/\s+/);
    return parts.slice(0, -1);
  });
}

/**
 * The image's build, rehearsed without an engine (npm test has none; `npm run test:docker`
 * builds it for real): only what the build stage copies, compiled with the build's own
 * tsconfig. A module the build needs but the Dockerfile leaves out fails here, not on a
 * user's `docker compose up`.
 */
describe('the Dockerfile build stage', () => {
  const copies = buildStageCopies(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));

  it('sends no secrets into the build context: .secrets and .env are ignored', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.secrets', '.env']));
  });

  it('copies the lockfile, the configs and the sources', () => {
    expect(copies).toEqual(
      expect.arrayContaining(['package-lock.json', 'apps', 'libs', 'loadtest/model']),
    );
  });

  it('compiles from what it copies, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'image-build-'));
    try {
      for (const path of copies) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      expect(() =>
        execFileSync(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.build.json'], {
          cwd: dir,
          stdio: 'pipe',
        }),
      ).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
