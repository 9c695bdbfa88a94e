import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planMechanics } from '../driver/mechanics';
import { loadScenarioFile, resolveScenario } from '../driver/scenario';

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

/**
 * The script evaluated under Node with stand-ins for the k6 modules (no request is sent):
 * its scaling of the sale mechanisms and its buyers' roles must be the Node driver's.
 */
describe('loadtest/k6/flash-sale.js, evaluated with stand-ins for k6', () => {
  function load(env: Record<string, string>) {
    const source = readFileSync(join(__dirname, 'flash-sale.js'), 'utf8')
      .replace(/^import .*$/gm, '')
      .replace(/^export default function/gm, 'function buyer')
      .replace(/^export (function|const) /gm, '$1 ');
    const metric = class {
      add(): void {}
    };
    const factory = new Function(
      '__ENV',
      'open',
      'http',
      'sleep',
      'crypto',
      'encoding',
      'exec',
      'Counter',
      'Trend',
      `${source}\nreturn { S, P, roleOf, options };`,
    ) as (...args: unknown[]) => {
      S: { buyers: number; units: number };
      P: { fcodes: number; admissionRate: number; admissionTtl: number; priorityLead: number };
      roleOf: (i: number) => { fcode: boolean; registered: boolean; preQueue: boolean };
      options: unknown;
    };
    const scenarios = readFileSync(join(__dirname, '..', 'scenarios.json'), 'utf8');
    return factory(
      env,
      () => scenarios,
      {},
      () => undefined,
      {},
      {},
      {},
      metric,
      metric,
    );
  }

  it('scales the mechanisms and gives every buyer the role the Node driver gives them', () => {
    const env = {
      SCENARIO: 'youth-2012-queue',
      MODE: 'historic',
      SCALE: '0.01',
      TIME_SCALE: '0.05',
    };
    const k6 = load(env);
    const scenario = resolveScenario(loadScenarioFile(), 'youth-2012-queue');
    const buyers = Math.max(1500, Math.round(scenario.buyers * 0.01));
    expect(k6.S.buyers).toBe(buyers);
    const plan = planMechanics(scenario.mechanics!, buyers, 0.01, 0.05 / scenario.timeCompression);
    expect(k6.P).toMatchObject({
      fcodes: plan.fcodes,
      admissionRate: plan.admissionRate,
      admissionTtl: plan.admissionTtlSeconds,
      priorityLead: plan.priorityLeadSeconds,
    });
    for (let i = 0; i < buyers; i++) {
      const driver = plan.roleOf(i);
      const role = k6.roleOf(i);
      expect([role.fcode, role.registered, role.preQueue]).toEqual([
        driver.fcode,
        driver.registered,
        driver.preQueue,
      ]);
    }
  });

  it('runs bare scenarios without the mechanisms', () => {
    const k6 = load({ SCENARIO: 'm2-batch1-2012', MODE: 'max', SCALE: '0.1' });
    expect(k6.P).toBeNull();
    expect(k6.S.units).toBe(5000);
  });
});
