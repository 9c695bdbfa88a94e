import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page, chromium } from 'playwright-core';
import { runScenario } from '../../loadtest/driver/run-scenario';
import { loadScenarioFile, resolveScenario } from '../../loadtest/driver/scenario';
import { solveChallenge } from '@flash/bot-defence';
import { call, createSale, devToken, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/** Debian's Chromium (`.ci/run` installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** `npm run screenshots` writes them into docs/screenshots for the README. */
const SHOTS = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'flash-sale-screenshots');

/**
 * The buyer's and the operator's pages, served by the API from the build, driven in a real
 * headless Chromium against the real stack (API, worker, Redis, Postgres).
 */
describe('the pages in Chromium', () => {
  let e2e: E2E;
  let browser: Browser;
  /** What Chromium refused under the pages' Content-Security-Policy: nothing, ever. */
  const violations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    e2e = await startE2E({ LIVE_PULSE_MS: '250', ADMISSION_TICK_MS: '50' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stopE2E(e2e);
  });
  afterEach(() => expect(violations).toEqual([]));

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    return page;
  }

  async function buyerOn(saleId: string, name: string): Promise<Page> {
    const page = await newPage();
    await page.goto(`${e2e.stack.baseUrl}/#/sale/${saleId}`);
    await page.fill('input[name=name]', name);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Signed in as');
    return page;
  }

  async function saleLinks(page: Page): Promise<string[]> {
    const links = page.locator('[data-test=sale-link]');
    const hrefs: string[] = [];
    for (let i = 0; i < (await links.count()); i++)
      hrefs.push((await links.nth(i).getAttribute('href')) ?? '');
    return hrefs;
  }

  const ordersOf = async (saleId: string) =>
    (await call(e2e.stack.http, 'GET', `/admin/sales/${saleId}/orders`, { token: e2e.admin })).body
      .items as { buyerId: string; status: string }[];

  it('a buyer joins a waiting room, waits for the opening, is admitted, buys, pays and sees "paid"', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, {
      name: 'Mi 3 (waiting room)',
      stock: 5,
      startsAt: new Date(Date.now() + 6000).toISOString(),
      waitingRoom: { admissionRate: 20 },
    });
    const page = await buyerOn(saleId, 'web-buyer');
    await page.click('[data-test=join]');
    await page.waitForSelector('[data-test=ticket]:has-text("before the opening")');
    // The countdown runs on the server's clock, and the buy button waits for a turn.
    await page.waitForSelector('[data-test=countdown]');
    expect(await page.isDisabled('[data-test=buy]')).toBe(true);
    await page.waitForSelector('[data-test=ticket]:has-text("Your turn")');
    await page.click('[data-test=buy]:not([disabled])');
    await page.waitForSelector('[data-test=order-status]:has-text("Awaiting payment")');
    await page.click('[data-test=pay]');
    await page.waitForSelector('[data-test=order-status]:has-text("Paid")');
    await page.screenshot({ path: join(SHOTS, 'buyer.png'), fullPage: true });

    await until(async () => (await ordersOf(saleId)).length === 1);
    expect(await ordersOf(saleId)).toEqual([
      expect.objectContaining({ buyerId: 'web-buyer', status: 'paid' }),
    ]);
    await page.context().close();
  });

  it('a sale with proof of work: the page solves each challenge in a Web Worker, registers and joins', async () => {
    const difficulty = 12;
    const saleId = await createSale(e2e.stack.http, e2e.admin, {
      name: 'Redmi 1S (proof of work)',
      stock: 5,
      startsAt: new Date(Date.now() + 60_000).toISOString(),
      appointments: { opensAt: new Date(Date.now() - 1000).toISOString() },
      waitingRoom: { admissionRate: 20 },
      proofOfWork: { difficulty },
    });
    const page = await buyerOn(saleId, 'web-solver');
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(worker.url()));
    await page.click('[data-test=register]');
    await page.waitForSelector('[data-test=registered]');
    await page.click('[data-test=join]');
    await page.waitForSelector('[data-test=ticket]:has-text("before the opening")');
    const done = page.locator('[data-test=work-done]');
    expect(Number(await done.getAttribute('data-tries'))).toBeGreaterThan(0);
    // Two challenges, each solved by a worker of its own (not on the page's thread).
    expect(workers).toHaveLength(2);
    expect(workers[0]).toContain('proof-of-work.worker');

    const registered = await e2e.sql.query(
      'SELECT buyer_id FROM registrations WHERE sale_id = $1',
      [saleId],
    );
    expect(registered.rows).toEqual([{ buyer_id: 'web-solver' }]);
    const ticket = await call(e2e.stack.http, 'GET', `/sales/${saleId}/queue`, {
      token: await devToken(e2e.stack.http, 'web-solver'),
    });
    expect(ticket.body).toMatchObject({ buyerId: 'web-solver', status: 'pre_queue' });
    await page.context().close();
  });

  it('a double click buys once', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 10, perUserLimit: 5 });
    const page = await buyerOn(saleId, 'double-clicker');
    await page.dblclick('[data-test=buy]');
    await page.waitForSelector('[data-test=order-status]');
    // Two clicks in one task, before the page can even re-render the button.
    const again = await buyerOn(saleId, 'fast-clicker');
    await again.$eval('[data-test=buy]', (button) => {
      (button as unknown as { click(): void }).click();
      (button as unknown as { click(): void }).click();
    });
    await again.waitForSelector('[data-test=order-status]');

    const stats = await call(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
      token: e2e.admin,
    });
    expect(stats.body).toMatchObject({ remaining: 8, held: 2 });
    await until(async () => (await ordersOf(saleId)).length === 2);
    const buyers = (await ordersOf(saleId)).map((o) => o.buyerId).sort();
    expect(buyers).toEqual(['double-clicker', 'fast-clicker']);
    await page.context().close();
    await again.context().close();
  });

  it('a click after the purchase answered, before its order arrives, buys nothing more', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 10, perUserLimit: 5 });
    const page = await buyerOn(saleId, 'slow-stream-clicker');
    // The order's stream is held back: the page has its answer but not yet its order.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/orders\/[^/]+\/events/, async (route) => {
      await held;
      await route.continue();
    });
    const answered = page.waitForResponse((r) => r.url().endsWith('/purchase'));
    await page.click('[data-test=buy]');
    expect((await answered).status()).toBe(202);
    const button = page.locator('[data-test=buy]');
    await until(() => button.isDisabled());
    await button.evaluate((b) => (b as unknown as { click(): void }).click());
    release();
    await page.waitForSelector('[data-test=order-status]');

    const stats = await call(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
      token: e2e.admin,
    });
    expect(stats.body).toMatchObject({ remaining: 9, held: 1 });
    await page.context().close();
  });

  it('an operator creates a first-come sale with proof of work, and sees the suspects it holds', async () => {
    const page = await newPage();
    await page.goto(`${e2e.stack.baseUrl}/#/operator`);
    await page.click('[data-test=operator-sign-in]');
    await page.fill('input[name=name]', 'Mi 3 (first come, proof of work)');
    await page.fill('input[name=opensIn]', '0');
    await page.check('input[name=waitingRoom]');
    await page.check('input[name=firstCome]');
    await page.check('input[name=proofOfWork]');
    await page.fill('input[name=powDifficulty]', '10');
    await page.click('[data-test=create-sale]');
    const created = page.locator('text=Created').locator('a');
    const saleId = (await created.getAttribute('href'))!.split('/').at(-1)!;
    const sale = (await call(e2e.stack.http, 'GET', `/sales/${saleId}`)).body;
    expect(sale).toMatchObject({
      waitingRoom: { preQueue: false },
      proofOfWork: { difficulty: 10 },
    });

    // A suspect joins (with its proof of work) and is held; the page counts it.
    const flagged = await call(e2e.stack.http, 'POST', `/admin/sales/${saleId}/suspects`, {
      token: e2e.admin,
      body: { buyerIds: ['scalper-1'] },
    });
    expect(flagged.body.flagged).toBe(1);
    const scalper = await devToken(e2e.stack.http, 'scalper-1');
    const issued = await call(e2e.stack.http, 'POST', `/sales/${saleId}/challenge`, {
      token: scalper,
    });
    const proof = `${issued.body.challenge}:${solveChallenge(issued.body.challenge, 10)}`;
    const joined = await call(e2e.stack.http, 'POST', `/sales/${saleId}/queue`, {
      token: scalper,
      headers: { 'proof-of-work': proof },
    });
    expect(joined.status).toBe(201);
    await page.goto(`${e2e.stack.baseUrl}/#/operator/${saleId}`);
    await page.waitForSelector('[data-test=op-suspects]:has-text("1")');
    await page.context().close();
  });

  it('an operator watches the stock drain while the driver runs, down to sold out', async () => {
    const page = await newPage();
    await page.goto(`${e2e.stack.baseUrl}/#/operator`);
    await page.click('[data-test=operator-sign-in]');
    await page.waitForSelector('sale-list');
    const before = new Set(await saleLinks(page));

    const run = runScenario({
      url: e2e.stack.baseUrl,
      scenario: resolveScenario(loadScenarioFile(), 'youth-2012'),
      mode: 'historic',
      scale: 0.004,
      timeScale: 0.03,
      connections: 32,
      limitSeconds: 20,
      jwtSecret: e2e.world.config.jwtSecret,
      database: { url: e2e.world.config.databaseUrl, schema: e2e.world.config.databaseSchema },
    });
    // The driver's sale appears at the top of the list.
    let link: string | null = null;
    await until(async () => {
      await page.click('[data-test=refresh]');
      await page.waitForTimeout(200);
      link = (await saleLinks(page)).find((h) => !before.has(h)) ?? null;
      return link !== null;
    });
    await page.click(`a[href="${link}"]`);
    const seen: number[] = [];
    const look = async () => {
      const text = await page.textContent('[data-test=op-remaining]').catch(() => null);
      if (text) {
        const n = Number(text.replace(/,/g, ''));
        if (seen.at(-1) !== n) seen.push(n);
      }
    };
    await until(async () => {
      await look();
      return (await page.$('[data-test=op-sold-out]')) !== null;
    }, 60_000);
    // The sold-out mark may have come in the same render as the last units: read once more.
    await look();
    await page.waitForTimeout(1500); // a few more points on the charts
    await page.screenshot({ path: join(SHOTS, 'operator.png'), fullPage: true });

    // Watched falling, never rising, to 0.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(seen.at(-1)).toBe(0);
    const result = await run;
    expect(result.unitsSold).toBe(result.units);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
    await page.context().close();
    // Its waits (the sale's appearance, then up to 60 s for the sell-out) need more than
    // jest's default 60 s on a loaded machine.
  }, 150_000);
});
