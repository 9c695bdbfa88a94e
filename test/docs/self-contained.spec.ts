import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && /\.(md|ts|js|mjs|json|yml|yaml|lua|sh)$|^\.ci\/|^Dockerfile$|^\.env/.test(f))
  .filter((f) => f !== 'package-lock.json' && existsSync(join(ROOT, f)));

/** Users get this repository and nothing beside it: no file may send them elsewhere. */
describe('the project is self-contained', () => {
  it('names no file outside the repository', () => {
    const outside = /\.\.\/shared|\bshared\/[A-Za-z]|\b(CONTRACT|DESIGN)\.md\b/;
    const found = tracked.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .map((line, k) => ({ where: `${file}:${k + 1}`, line }))
        .filter(({ line }) => outside.test(line)),
    );
    expect(found).toEqual([]);
  });

  it('links from its Markdown only to files it has', () => {
    const broken: string[] = [];
    for (const file of tracked.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // http:, mailto:
        if (!existsSync(join(ROOT, dirname(file), target))) broken.push(`${file} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
