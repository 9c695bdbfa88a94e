import { Browser, chromium } from 'playwright-core';
import { Pool } from 'undici';
import { call, createSale, devToken, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const METRICS_TOKEN = 'metrics-token-for-the-ops-doors-test-0123';

/**
 * The operations routes: metrics behind METRICS_TOKEN (or an admin) on the API and the worker,
 * /health terse for anonymous callers, /docs only where it is switched on, and security
 * headers on every page.
 */
describe('operations routes', () => {
  let e2e: E2E;
  let workerMetrics: Pool;

  beforeAll(async () => {
    e2e = await startE2E({ METRICS_TOKEN });
    workerMetrics = new Pool(new URL(e2e.stack.workerMetricsUrl).origin);
  });
  afterAll(async () => {
    await workerMetrics?.close();
    await stopE2E(e2e);
  });

  it('serves metrics only with METRICS_TOKEN or an admin token, on the API and the worker', async () => {
    const buyer = await devToken(e2e.stack.http, 'metrics-nosy');
    for (const http of [e2e.stack.http, workerMetrics]) {
      for (const token of [undefined, buyer, `${METRICS_TOKEN}x`, METRICS_TOKEN.slice(1)]) {
        expectErrorShape(await call(http, 'GET', '/metrics', { token }), 401, 'UNAUTHORIZED');
      }
      for (const token of [METRICS_TOKEN, e2e.admin]) {
        const answer = await call(http, 'GET', '/metrics', { token });
        expect(answer.status).toBe(200);
        expect(String(answer.body)).toContain('process_cpu_seconds_total');
      }
    }
  });

  it('tells an anonymous caller only that it is up, and an operator which sales are broken', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin);
    expect(saleId).toBeTruthy();
    const anonymous = await call(e2e.stack.http, 'GET', '/health');
    expect([anonymous.status, anonymous.body]).toEqual([200, { status: 'ok' }]);
    const buyer = await devToken(e2e.stack.http, 'health-nosy');
    expect((await call(e2e.stack.http, 'GET', '/health', { token: buyer })).body).toEqual({
      status: 'ok',
    });
    for (const token of [METRICS_TOKEN, e2e.admin]) {
      const detailed = await call(e2e.stack.http, 'GET', '/health', { token });
      expect(detailed.body).toMatchObject({
        status: 'ok',
        info: { redis: { status: 'up' } },
        sales: {},
      });
    }
  });

  it('sends security headers with the pages, the docs and the API', async () => {
    for (const path of ['/', '/docs', '/sales']) {
      const answer = await call(e2e.stack.http, 'GET', path);
      const csp = String(answer.headers['content-security-policy']);
      expect({ path, csp }).toEqual({
        path,
        csp: expect.stringContaining("frame-ancestors 'none'"),
      });
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('renders the docs in Chromium under that policy', async () => {
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (m.text().includes('Content Security Policy')) violations.push(m.text());
      });
      await page.goto(`${e2e.stack.baseUrl}/docs`);
      await page.waitForSelector('.opblock', { timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('docs switched off (API_DOCS=false, the production default)', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E({ API_DOCS: 'false' }, { worker: false });
  });
  afterAll(() => stopE2E(e2e));

  it('has no /docs and no OpenAPI document', async () => {
    for (const path of ['/docs', '/docs/', '/docs/openapi.json', '/docs/swagger-ui-init.js']) {
      const answer = await call(e2e.stack.http, 'GET', path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
  });
});
