import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { planMechanics } from '../model/buyer-roles.js';
import { loadScenarioFile, resolveScenario, runLimitSeconds, scaleSale } from '../driver/scenario';
import { loadK6Script } from './k6-stand-ins';

const ROOT = join(__dirname, '..', '..');

/**
 * The script evaluated under Node with stand-ins for the k6 modules (no request leaves the
 * process): its scaling, its phases, its requests' tags, its summary.
 */
describe('loadtest/k6/flash-sale.js, evaluated with stand-ins for k6', () => {
  it('takes its crowd from the load model the Node driver runs, not from copies', () => {
    const k6 = loadK6Script({
      SCENARIO: 'youth-2012-queue',
      MODE: 'historic',
      SCALE: '0.01',
      TIME_SCALE: '0.05',
    });
    expect(k6.imported.filter((m) => m.startsWith('.')).sort()).toEqual([
      '../model/arrivals.js',
      '../model/bot-cohort.js',
      '../model/buyer-roles.js',
      '../model/error-code.js',
      '../model/fairness-summary.js',
      '../model/prng.js',
      '../model/proof-of-work.js',
      '../model/sale-invariants.js',
      '../model/scenario-model.js',
      '../model/server-clock.js',
    ]);
    // The same sizing and the same mechanisms as a driver run with these settings.
    const shape = { mode: 'historic' as const, scale: 0.01, timeScale: 0.05 };
    const scenario = resolveScenario(loadScenarioFile(), 'youth-2012-queue');
    const sale = scaleSale(scenario, shape);
    const { plan } = k6.script;
    expect(plan.sale).toEqual(sale);
    const driver = planMechanics(scenario.mechanics!, sale.buyers, 0.01, sale.mechanicsTimeFactor);
    expect({ ...plan.mechanics!, roleOf: null }).toEqual({ ...driver, roleOf: null });
    for (const i of [0, 1, 2, 66, 4242, sale.buyers - 1])
      expect(plan.mechanics!.roleOf(i)).toEqual(driver.roleOf(i));
  });

  it('sizes a run as the Node driver does, time cap included', () => {
    const scenario = resolveScenario(loadScenarioFile(), 'm2-batch1-2012');
    const { plan } = loadK6Script({ SCENARIO: 'm2-batch1-2012', MODE: 'max', SCALE: '0.1' }).script;
    expect(plan.sale).toEqual(scaleSale(scenario, { mode: 'max', scale: 0.1, timeScale: 1 }));
    expect(plan.limitSeconds).toBe(runLimitSeconds('max', scenario.targetSellOutSeconds));
  });

  it("signs with JWT_SECRET, or else reads the install's generated secrets file", () => {
    const own = loadK6Script({ SCENARIO: 'youth-2012', JWT_SECRET: 'x'.repeat(40) });
    expect(own.opened.filter((p) => p.includes('secrets'))).toEqual([]);
    // From the repository root: the file the API and worker generate under .secrets/.
    const local = loadK6Script({ SCENARIO: 'youth-2012' });
    expect(local.opened).toContain('../../.secrets/secrets.json');
    expect(
      loadK6Script({ SCENARIO: 'youth-2012', SECRETS_FILE: '/secrets/secrets.json' }).opened,
    ).toContain('/secrets/secrets.json');
  });

  it('runs bare scenarios as one buyer scenario without the mechanisms', () => {
    const { script } = loadK6Script({ SCENARIO: 'm2-batch1-2012', MODE: 'max', SCALE: '0.1' });
    expect(script.plan.mechanics).toBeNull();
    expect(script.plan.sale.units).toBe(5000);
    expect(Object.keys(script.options.scenarios)).toEqual(['buyers']);
  });

  it('caps a historic run at the time limit, and takes its p99 threshold from P99_MS', () => {
    const { script } = loadK6Script({ SCENARIO: 'youth-2012', MODE: 'historic', P99_MS: '80' });
    const stages = script.options.scenarios.buyers.stages!;
    const seconds = stages.reduce((sum, s) => sum + Number(s.duration.replace('ms', '')), 0) / 1000;
    expect(script.plan.limitSeconds).toBe(652 * 2 + 30);
    expect(seconds).toBeLessThanOrEqual(script.plan.limitSeconds + 1);
    expect(script.options.thresholds.purchase_latency).toEqual(['p(99)<80']);
    const capped = loadK6Script({ SCENARIO: 'youth-2012', MODE: 'historic', LIMIT_S: '100' });
    expect(capped.script.options.scenarios.buyers.stages!.length).toBeGreaterThan(0);
    expect(
      capped.script.options.scenarios.buyers.stages!.reduce(
        (sum, s) => sum + Number(s.duration.replace('ms', '')),
        0,
      ),
    ).toBeLessThanOrEqual(100_000 + 40);
  });

  it('runs youth-2012-queue at full size with the phases as scenarios, not inside setup()', () => {
    const k6 = loadK6Script({ SCENARIO: 'youth-2012-queue', MODE: 'historic' });
    const { scenarios } = k6.script.options;
    expect(Object.keys(scenarios)).toEqual(['registration', 'fcodes', 'waiters']);
    expect(scenarios.registration.iterations).toBe(750_000);
    // The line's window (the pre-queue's last seconds) starts after the registrations, and
    // the waiters run from it to the time cap after the opening.
    const seconds = (s: string | undefined) => Number((s ?? '0s').replace('s', ''));
    const { phases, limitSeconds } = k6.script.plan;
    const waiters = scenarios.waiters;
    expect(seconds(waiters.startTime)).toBeGreaterThanOrEqual(
      seconds(scenarios.registration.maxDuration),
    );
    expect(seconds(waiters.startTime)).toBeLessThanOrEqual(phases.open - phases.preQueue);
    expect(seconds(waiters.startTime) + seconds(waiters.maxDuration)).toBeGreaterThan(
      phases.open + limitSeconds,
    );
    // setup() creates the sale and issues the F-codes: nothing per buyer.
    k6.script.setup();
    expect(k6.sent.map((r) => r.tags.name)).toEqual([
      'POST /admin/sales',
      'POST /admin/sales/:id/fcodes',
    ]);
  });

  it.each([
    ['youth-2012-queue', 'historic'],
    ['youth-2012-queue', 'max'],
    ['m2-batch1-2012', 'historic'],
  ])(
    '%s in %s mode: every phase runs, sells out, and every request names its route',
    (scenario, mode) => {
      const k6 = loadK6Script({
        SCENARIO: scenario,
        MODE: mode,
        SCALE: '0.004',
        PAY_DELAY_SCALE: '1',
      });
      k6.runTest();

      const units = k6.script.plan.sale.units;
      expect(k6.metrics.get('purchase_accepted')).toBe(units);
      expect(k6.metrics.get('orders_paid')).toBeGreaterThan(0);
      expect(
        k6.metrics.get('purchase_sold_out')! + k6.metrics.get('queue_sold_out')!,
      ).toBeGreaterThan(0);
      expect(k6.metrics.get('bad_requests_accepted')).toBe(0);
      expect(k6.metrics.get('replay_mismatches')).toBe(0);
      if (scenario === 'youth-2012-queue') {
        expect(k6.metrics.get('registrations')).toBeGreaterThan(0);
        expect(k6.metrics.get('prequeue_joins')).toBeGreaterThan(0);
        expect(k6.metrics.get('admissions')).toBeGreaterThan(0);
        expect(k6.metrics.get('fcodes_redeemed')).toBe(k6.script.plan.mechanics!.fcodes);
      }
      // One series per route: a tag per template, never an id.
      const routes = new Set(k6.sent.map((r) => r.tags.name));
      for (const route of routes) expect(route).toMatch(/^(GET|POST) \/[a-z/:-]+$/);
      for (const r of k6.sent)
        expect(r.tags.name.split(' ')[1]).toBe(
          new URL(r.url).pathname.replace(/[0-9a-f-]{36}/g, ':id'),
        );
      expect(routes).toContain('POST /sales/:id/purchase');
      expect(routes).toContain('POST /orders/:id/pay');
    },
  );
});

describe('the k6 summary', () => {
  /** A k6 end-of-test data object (the shape of k6's docs) with only the statistics k6 computes. */
  function recorded(stats: string[]) {
    const trend = (values: number[]) => ({
      type: 'trend',
      contains: 'time',
      values: Object.fromEntries(stats.map((s, k) => [s, values[k % values.length]])),
      thresholds: { 'p(99)<250': { ok: true } },
    });
    const counter = (count: number) => ({
      type: 'counter',
      contains: 'default',
      values: { count, rate: count / 60 },
    });
    return {
      root_group: { path: '', groups: [], checks: [], name: '' },
      options: { summaryTimeUnit: '', summaryTrendStats: stats },
      state: { testRunDurationMs: 60_000 },
      metrics: {
        http_reqs: counter(9000),
        purchase_accepted: counter(600),
        purchase_sold_out: counter(2400),
        orders_paid: counter(540),
        purchase_server_errors: {
          ...counter(0),
          thresholds: { 'count==0': { ok: false } },
        },
        purchase_latency: trend([4.2, 1.1, 3.3, 48.7, 9.9, 12.5, 31.25]),
        join_to_admission: trend([4000, 100, 3000, 9000, 7000, 8000, 8750]),
        join_to_payment: trend([5000, 200, 4000, 9900, 8000, 9000, 9500]),
      },
    };
  }

  it('prints the p99 that k6 computed, the threshold verdicts, and writes where the README says', () => {
    const { script } = loadK6Script({ SCENARIO: 'youth-2012-queue', MODE: 'historic' });
    const stats = script.options.summaryTrendStats;
    expect(stats).toContain('p(99)');
    const out = script.handleSummary(recorded(stats));
    expect(out.stdout).toContain('p99 31.25');
    expect(out.stdout).toContain('join to admission s p50 3.00, p99 8.75');
    expect(out.stdout).not.toContain('n/a');
    expect(out.stdout).toContain('FAIL purchase_server_errors: count==0');
    expect(out.stdout).toContain('ok   purchase_latency: p(99)<250');
    expect(Object.keys(out).sort()).toEqual(
      ['loadtest/results/k6-youth-2012-queue-historic.json', 'stdout'].sort(),
    );
    expect(JSON.parse(out[script.summaryPath])).toMatchObject({
      state: { testRunDurationMs: 60_000 },
    });
  });

  it('says n/a, not 0, for a statistic k6 was not asked to compute', () => {
    const { script } = loadK6Script({ SCENARIO: 'youth-2012', MODE: 'max' });
    const out = script.handleSummary(recorded(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']));
    expect(out.stdout).toContain('p99 n/a');
  });

  it('writes into a folder that a fresh clone has (k6 creates none)', () => {
    const { script } = loadK6Script({ SCENARIO: 'youth-2012', MODE: 'max', SUMMARY_DIR: 'out/' });
    expect(script.summaryPath).toBe('out/k6-youth-2012-max.json');
    const dir = join(ROOT, 'loadtest', 'results');
    expect(existsSync(dir)).toBe(true);
    expect(() =>
      execFileSync('git', ['ls-files', '--error-unmatch', 'loadtest/results/.gitkeep'], {
        cwd: ROOT,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
