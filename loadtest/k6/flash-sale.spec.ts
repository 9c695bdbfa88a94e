import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** k6 cannot run here; at least keep its script a valid ES module that reads our scenarios. */
describe('loadtest/k6/flash-sale.js', () => {
  const script = join(__dirname, 'flash-sale.js');

  it('parses as an ES module', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'k6-')), 'flash-sale.mjs');
    copyFileSync(script, copy);
    expect(() =>
      execFileSync(process.execPath, ['--check', copy], { stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('reads the shared scenario file and ends with invariant checks', () => {
    const source = readFileSync(script, 'utf8');
    expect(source).toContain("open('../scenarios.json')");
    expect(source).toMatch(/export function teardown\(/);
    expect(source).toMatch(/export function handleSummary\(/);
    expect(source).toContain("crypto.hmac('sha256'");
  });
});
