import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cohortRole, personSolveSeconds } from '../model/bot-cohort.js';
import type { Bots, ScenarioFile } from '../model/types';
import { loadK6Script, SentRequest, StandIns } from './k6-stand-ins';

/** The buyer index of a k6 buyer token's subject, or null for the admin. */
function buyerOf(r: SentRequest): number | null {
  const claims = (r.headers.authorization ?? '').split('.')[1] ?? '';
  const sub = (JSON.parse(Buffer.from(claims, 'base64url').toString() || '{}') as { sub?: string })
    .sub;
  const match = /^k6-buyer-(\d+)$/.exec(sub ?? '');
  return match ? Number(match[1]) : null;
}

/** Each buyer's requests on one route, in the order sent. */
function byBuyer(k6: StandIns, route: string): Map<number, SentRequest[]> {
  const out = new Map<number, SentRequest[]>();
  for (const r of k6.sent) {
    const i = buyerOf(r);
    if (i === null || r.tags.name !== route) continue;
    out.set(i, [...(out.get(i) ?? []), r]);
  }
  return out;
}

function createdSale(k6: StandIns): Record<string, unknown> {
  const created = k6.sent.find((r) => r.tags.name === 'POST /admin/sales');
  return JSON.parse(created!.body!) as Record<string, unknown>;
}

const SCENARIO_FILE = join(__dirname, '..', 'scenarios.json');

/** The API's clock runs this far ahead of the driver's: bots that sync to it must notice. */
const AHEAD_MS = 1500;

describe("k6 runs a scenario's bots block", () => {
  const base = {
    SCENARIO: 'youth-2012-queue-bots',
    MODE: 'historic',
    SCALE: '0.004',
    TIME_SCALE: '0.05',
  };

  it('a first-come line: bots fire on the server clock before the opening and refire until it opens', () => {
    const k6 = loadK6Script({ ...base, FIRST_COME: '1' }, { serverAheadMs: AHEAD_MS });
    const data = k6.runTest() as { opensAt: number };
    const { sale, scenario } = k6.script.plan as unknown as {
      sale: { buyers: number; units: number };
      scenario: { bots: Bots };
    };
    const bots = scenario.bots;
    expect(createdSale(k6)).toMatchObject({ waitingRoom: { preQueue: false } });

    const joins = byBuyer(k6, 'POST /sales/:id/queue');
    const botJoins = [...joins].filter(([i]) => cohortRole(i, bots, sale.buyers).bot);
    expect(botJoins.length).toBeGreaterThan(100);
    for (const [i, sent] of botJoins) {
      // Fired leadSeconds before the opening on the server's clock, after its latency out.
      const role = cohortRole(i, bots, sale.buyers);
      const fire = data.opensAt - bots.leadSeconds * 1000 - AHEAD_MS + role.latencyMs;
      expect(Math.abs(sent[0].at - fire)).toBeLessThan(60);
      // Refused until the line opened, then in: nobody joined before the opening.
      expect(sent.length).toBeGreaterThan(1);
      const gaps = sent.slice(1).map((r, k) => r.at - sent[k].at);
      for (const gap of gaps) expect(gap).toBeLessThanOrEqual(1.5 * bots.refireMs + 2 * 250 + 60);
    }
    for (const { serverAt } of k6.api.joined) expect(serverAt).toBeGreaterThanOrEqual(data.opensAt);
    expect(k6.metrics.get('queue_joins_not_started')).toBeGreaterThan(0);

    // Every unit was won by someone, and counted once, by cohort and by latency decile.
    const won = k6.metrics.get('units_won_by_bots')! + k6.metrics.get('units_won_by_people')!;
    expect(won).toBe(sale.units);
    expect(k6.metrics.get('purchase_accepted')).toBe(sale.units);
    let byDecile = 0;
    for (let d = 1; d <= 10; d++) byDecile += k6.metrics.get(`won_latency_decile_${d}`)!;
    expect(byDecile).toBe(sale.units);
  });

  it('proof of work: every challenge solved for real, people charged their browser time, no proof refused', () => {
    const k6 = loadK6Script({ ...base, POW_DIFFICULTY: '8', POW_CHARGE_DIFFICULTY: '16' });
    k6.runTest();
    const { sale, scenario } = k6.script.plan as unknown as {
      sale: { buyers: number; units: number; mechanicsTimeFactor: number };
      scenario: { bots: Bots };
    };
    const bots = scenario.bots;
    expect(createdSale(k6)).toMatchObject({
      proofOfWork: { difficulty: 8 },
      waitingRoom: { preQueue: true },
    });

    // The stand-in API checks each proof as the server does: bound to the buyer, single use,
    // 8 leading zero bits. None was refused, and every join and registration carried one.
    expect(k6.api.refusedProofs).toEqual([]);
    const challenges = byBuyer(k6, 'POST /sales/:id/challenge');
    const joins = byBuyer(k6, 'POST /sales/:id/queue');
    expect(joins.size).toBeGreaterThan(1000);
    for (const sent of joins.values())
      for (const r of sent) expect(r.headers['proof-of-work']).toMatch(/^[0-9a-f-]{36}:[0-9a-z]+$/);
    expect(k6.metrics.get('registrations')).toBeGreaterThan(0);
    expect(k6.metrics.get('challenges_refused')).toBe(0);

    // A person joins no sooner than their browser finds a solution at the charged bits.
    let people = 0;
    for (const [i, sent] of joins) {
      const role = cohortRole(i, bots, sale.buyers);
      if (role.bot) continue;
      people++;
      const challenge = challenges.get(i)!.find((c) => c.at < sent[0].at)!;
      const solve = personSolveSeconds(i, 0, bots, 16, sale.mechanicsTimeFactor) * 1000;
      expect(sent[0].at - challenge.at).toBeGreaterThanOrEqual(solve + 2 * role.latencyMs);
    }
    expect(people).toBeGreaterThan(500);
    expect(k6.metrics.get('purchase_accepted')).toBe(sale.units);

    const summary = k6.script.handleSummary({ metrics: summaryMetrics(k6) }).stdout;
    expect(summary).toMatch(/units won: bots \d+, people \d+; bots’ share [\d.]+ %/);
    expect(summary).toMatch(/proof of work 8 bits \(devices charged 16\): challenges solved \d+/);
  });

  it('BOTS=0 leaves the block out: people only, no cohort counters', () => {
    const k6 = loadK6Script({ ...base, BOTS: '0', SCALE: '0.002' });
    k6.runTest();
    expect(k6.metrics.has('units_won_by_bots')).toBe(false);
    expect(k6.sent.some((r) => r.tags.name === 'GET /sales/:id')).toBe(false);
  });

  it('a sale without a waiting room runs its bots in a scenario of their own, on the server clock', () => {
    const file = JSON.parse(readFileSync(SCENARIO_FILE, 'utf8')) as ScenarioFile;
    const queued = file.scenarios['youth-2012-queue-bots'];
    file.scenarios['bare-bots'] = { ...queued, mechanics: undefined };
    const world = { scenarios: JSON.stringify(file), serverAheadMs: -AHEAD_MS };
    const k6 = loadK6Script({ SCENARIO: 'bare-bots', MODE: 'max', SCALE: '0.002' }, world);
    expect(Object.keys(k6.script.options.scenarios)).toEqual(['buyers', 'bots']);
    const data = k6.runTest() as { opensAt: number };
    const { sale } = k6.script.plan as unknown as { sale: { buyers: number; units: number } };
    const bots = queued.bots!;
    const buys = byBuyer(k6, 'POST /sales/:id/purchase');
    let botCount = 0;
    for (const [i, sent] of buys) {
      const role = cohortRole(i, bots, sale.buyers);
      if (!role.bot) {
        // People click on the opening, on their own clock, a reaction after it.
        expect(sent[0].at).toBeGreaterThanOrEqual(data.opensAt);
        continue;
      }
      botCount++;
      const fire = data.opensAt - bots.leadSeconds * 1000 + AHEAD_MS + role.latencyMs;
      expect(Math.abs(sent[0].at - fire)).toBeLessThan(60);
    }
    expect(botCount).toBeGreaterThan(100);
    expect(k6.metrics.get('purchase_not_started')).toBeGreaterThan(0);
    const won = k6.metrics.get('units_won_by_bots')! + k6.metrics.get('units_won_by_people')!;
    expect(won).toBe(sale.units);
    expect(() => loadK6Script({ SCENARIO: 'youth-2012', POW_DIFFICULTY: '8' })).toThrow(
      /POW_DIFFICULTY needs a sale with appointments or a waiting room/,
    );
  });
});

/** The stand-ins' counters as k6's end-of-test data. */
function summaryMetrics(k6: StandIns): Record<string, { values: { count: number } }> {
  return Object.fromEntries([...k6.metrics].map(([name, count]) => [name, { values: { count } }]));
}
