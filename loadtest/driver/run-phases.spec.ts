import { setTimeout as sleep } from 'node:timers/promises';
import type { SaleStats } from '@flash/orders';
import { planMechanics } from '../model/buyer-roles.js';
import { scaleSale } from '../model/scenario-model.js';
import { cohortRole } from '../model/bot-cohort.js';
import { CrowdCohort } from './crowd-cohort';
import { launchBounded, launchOnSchedule, splitBots, splitCrowd } from './crowd-phases';
import { RunClock } from './run-clock';
import { planOpening, registrantsOf, saleRequest } from './run-setup';
import { RunTally } from './run-tally';
import { answerInvariants, mechanicsInvariants } from './run-verdict';
import { RunWork } from './run-work';
import { loadScenarioFile, resolveScenario } from './scenario';

const file = loadScenarioFile();
const queueSale = resolveScenario(file, 'youth-2012-queue');
const bareSale = resolveScenario(file, 'm2-batch1-2012');

describe('a crowd with bots', () => {
  const bots = resolveScenario(file, 'youth-2012-queue-bots').bots!;

  it('draws the same cohort every time, with the bots share and their latency advantage', () => {
    const roles = Array.from({ length: 20_000 }, (_, i) => cohortRole(i, bots, 20_000));
    expect(cohortRole(123, bots, 20_000)).toEqual(roles[123]);
    const share = roles.filter((r) => r.bot).length / roles.length;
    expect(Math.abs(share - bots.share)).toBeLessThan(0.02);
    for (const r of roles) {
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
      expect(r.latencyMs).toBeLessThanOrEqual(bots.crowdLatencyMs[1]);
      expect(r.operator === null).toBe(!r.bot);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const people = mean(roles.filter((r) => !r.bot).map((r) => r.latencyMs));
    const scripts = mean(roles.filter((r) => r.bot).map((r) => r.latencyMs));
    expect(people - scripts).toBeGreaterThan(bots.latencyAdvantageMs * 0.7);
  });

  it('an operator can only field the accounts its cores solve within a challenge lifetime', () => {
    // 400 accounts on 2 cores at 4.3 M hashes/s: 20 bits take 0.24 s each, so in a 30 s
    // lifetime about 246 are ready before the firing time; the rest come later.
    const cohort = new CrowdCohort({ ...bots, share: 0.5 }, 2000, 1, {
      serverDifficulty: 8,
      difficulty: 20,
      lifetimeSeconds: 30,
    });
    const ready = Array.from({ length: 2000 }, (_, i) => cohort.botReadyAt(i)).filter(
      (t): t is number => t !== null,
    );
    const inTime = ready.filter((t) => t <= -bots.leadSeconds).length / ready.length;
    expect(inTime).toBeGreaterThan(0.45);
    expect(inTime).toBeLessThan(0.8);
    expect(cohort.personSolveSeconds(1, 0)).toBeGreaterThan(0);
  });

  it('keeps the bots out of the people phases, F-code holders as they are', () => {
    const split = { fcodeHolders: [0], preQueue: [1, 2, 3], crowd: [4, 5, 6] };
    const { people, bots: fleet } = splitBots(split, (i) => i % 2 === 0);
    expect(people).toEqual({ fcodeHolders: [0], preQueue: [1, 3], crowd: [5] });
    expect(fleet).toEqual([2, 4, 6]);
  });
});

describe('prepare: the opening and the sale', () => {
  it('opens two seconds after creation, after the appointments and the pre-queue', () => {
    expect(planOpening(1_000_000, 0, false)).toEqual({
      opensAt: 1_002_000,
      registrationSeconds: 0,
      preQueueSeconds: 0,
    });
    // 10,000 registrants at 2,500 a second, then 3 s of pre-queue.
    expect(planOpening(1_000_000, 10_000, true).opensAt).toBe(1_000_000 + 2000 + 7000);
    expect(planOpening(1_000_000, 10, false).registrationSeconds).toBe(2);
    expect(planOpening(1_000_000, 10_000, false, 1.5).registrationSeconds).toBe(1.5);
  });

  it('asks for a line without a pre-queue, and for proof of work, where the run says so', () => {
    const shape = { mode: 'historic' as const, scale: 0.01, timeScale: 0.05 };
    const sale = scaleSale(queueSale, shape);
    const plan = planMechanics(queueSale.mechanics!, sale.buyers, 0.01, sale.mechanicsTimeFactor);
    const body = saleRequest(queueSale, sale, plan, 1_000_000, 1_010_000, {
      preQueue: false,
      proofOfWork: { serverDifficulty: 8, difficulty: 20, lifetimeSeconds: 30 },
    });
    expect(body).toMatchObject({
      waitingRoom: { preQueue: false },
      proofOfWork: { difficulty: 8 },
    });
    // A bare sale has nothing for a proof of work to guard.
    const bare = saleRequest(bareSale, scaleSale(bareSale, shape), null, 1_000_000, 1_010_000, {
      proofOfWork: { serverDifficulty: 8, difficulty: 20, lifetimeSeconds: 30 },
    });
    expect(bare.proofOfWork).toBeUndefined();
  });

  it('asks for the mechanisms the scenario switches on, timed from the opening', () => {
    const shape = { mode: 'historic' as const, scale: 0.01, timeScale: 0.05 };
    const sale = scaleSale(queueSale, shape);
    const plan = planMechanics(queueSale.mechanics!, sale.buyers, 0.01, sale.mechanicsTimeFactor);
    const body = saleRequest(queueSale, sale, plan, 1_000_000, 1_010_000);
    expect(body).toMatchObject({
      stock: 1500,
      perUserLimit: queueSale.perUserLimit,
      startsAt: new Date(1_010_000).toISOString(),
      appointments: { opensAt: new Date(999_000).toISOString() },
      fcodes: {
        priorityStartsAt: new Date(1_010_000 - plan.priorityLeadSeconds * 1000).toISOString(),
      },
      waitingRoom: {
        admissionRate: plan.admissionRate,
        admissionTtlSeconds: plan.admissionTtlSeconds,
      },
    });
    const bare = saleRequest(bareSale, scaleSale(bareSale, shape), null, 0, 1000);
    expect(Object.keys(bare).sort()).toEqual(
      ['name', 'perUserLimit', 'price', 'sku', 'startsAt', 'stock'].sort(),
    );
  });
});

describe('the crowd, split by how each buyer comes to the sale', () => {
  const plan = planMechanics(queueSale.mechanics!, 3000, 0.004, 1);
  const roles = Array.from({ length: 3000 }, (_, i) => plan.roleOf(i));

  it('puts every buyer in exactly one group', () => {
    const split = splitCrowd(3000, roles, true);
    const all = [...split.fcodeHolders, ...split.preQueue, ...split.crowd].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(split.fcodeHolders.every((i) => roles[i].fcode)).toBe(true);
    expect(split.preQueue.every((i) => roles[i].preQueue && !roles[i].fcode)).toBe(true);
    expect(split.preQueue.length).toBeGreaterThan(0);
  });

  it('has no pre-queue without a waiting room, and no groups without mechanisms', () => {
    expect(splitCrowd(3000, roles, false).preQueue).toEqual([]);
    expect(splitCrowd(5, null, true)).toEqual({
      fcodeHolders: [],
      preQueue: [],
      crowd: [0, 1, 2, 3, 4],
    });
  });

  it('registers those with an appointment and no F-code', () => {
    const registrants = registrantsOf(queueSale, roles);
    expect(registrants.every((i) => roles[i].registered && !roles[i].fcode)).toBe(true);
    expect(registrants.length).toBe(roles.filter((r) => r.registered && !r.fcode).length);
    expect(registrantsOf(bareSale, null)).toEqual([]);
  });
});

describe('arrivals', () => {
  it('historic: starts each buyer at its time, in order, and stops when told', async () => {
    const started: { k: number; at: number }[] = [];
    const opensAt = Date.now();
    const times = [0, 0.02, 0.04, 0.06, 0.08];
    const count = await launchOnSchedule(
      times,
      opensAt,
      (k) => started.push({ k, at: Date.now() - opensAt }),
      () => started.length >= 3,
    );
    expect(count).toBe(3);
    expect(started.map((s) => s.k)).toEqual([0, 1, 2]);
    started.forEach((s, k) => expect(s.at).toBeGreaterThanOrEqual(times[k] * 1000 - 1));
  });

  it('max: starts every buyer once, never more than the cap in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const work: Promise<void>[] = [];
    const count = await launchBounded(
      50,
      4,
      async (k) => {
        inFlight++;
        most = Math.max(most, inFlight);
        seen.push(k);
        await sleep(k % 3);
        inFlight--;
      },
      () => false,
      (p) => work.push(p),
    );
    await Promise.all(work);
    expect(count).toBe(50);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(4);
  });

  it('max: stops starting buyers when the run is over', async () => {
    let started = 0;
    const count = await launchBounded(
      100,
      10,
      async () => {
        started++;
        await sleep(0);
      },
      () => started >= 7,
      () => undefined,
    );
    expect(count).toBe(7);
  });
});

describe('settling', () => {
  it('waits for buyers started while it waits, then for the payments', async () => {
    const work = new RunWork();
    const done: string[] = [];
    work.start(
      sleep(5).then(() => {
        done.push('first');
        work.start(sleep(30).then(() => void done.push('started late')));
        work.pay(sleep(10).then(() => void done.push('payment')));
      }),
    );
    await work.settle();
    expect(done).toEqual(['first', 'payment', 'started late']);
  });

  it('keeps run time from the opening', () => {
    const clock = new RunClock(Date.now() + 60_000, 10);
    expect(clock.since()).toBeLessThan(-59);
    expect(clock.expired()).toBe(false);
    expect(clock.untilOpeningMs()).toBeGreaterThan(59_000);
    expect(clock.untilOpeningMs(30_000)).toBeLessThanOrEqual(30_000);
    expect(new RunClock(Date.now() - 11_000, 10).expired()).toBe(true);
    expect(new RunClock(Date.now() - 11_000, 10).untilLimitMs()).toBe(0);
  });
});

describe('the tally and the verdict', () => {
  const stats = (over: Partial<SaleStats>): SaleStats =>
    ({
      stock: 10,
      remaining: 7,
      held: 2,
      paid: 1,
      unitsPersisted: 3,
      pipelineLag: 0,
      ...over,
    }) as SaleStats;

  function tallyOfThree(): RunTally {
    const tally = new RunTally();
    tally.purchases.accept(1, 'order-1', 1, 0.1);
    tally.purchases.accept(2, 'order-2', 1, 0.2);
    tally.purchases.accept(3, 'order-3', 1, 0.3);
    tally.purchases.paidFor(1);
    return tally;
  }

  it('counts each accepted order once, by buyer, in time order', () => {
    const tally = tallyOfThree();
    expect(tally.purchases.unitsSold).toBe(3);
    expect(tally.purchases.acceptedOrders.size).toBe(3);
    expect(tally.purchases.sortedOutcomes()).toEqual({ accepted: 3, paid: 1 });
    expect(tally.purchases.maxUnitsPerBuyer()).toBe(1);
    expect(tally.purchases.sales.map((s) => s.t)).toEqual([0.1, 0.2, 0.3]);
  });

  it('holds the driver’s answers against the stats', () => {
    const tally = tallyOfThree();
    expect(answerInvariants(tally.purchases, stats({}), 1).filter((i) => !i.ok)).toEqual([]);
    tally.purchases.accept(1, 'order-4', 1, 0.4);
    tally.purchases.replayMismatches++;
    const broken = answerInvariants(tally.purchases, stats({ paid: 2, held: 2 }), 1)
      .filter((i) => !i.ok)
      .map((i) => i.name);
    expect(broken).toEqual([
      'every paid 200 counted',
      'replays return the same order',
      'per-user limit',
    ]);
  });

  it('finds a winner who passed no gate', () => {
    const tally = tallyOfThree();
    const on = { appointments: true, waitingRoom: true, fcodesIssued: 1 };
    tally.mechanics.registeredAt(1, -2);
    tally.mechanics.registeredAt(2, -2);
    tally.mechanics.admittedAt(1, 0.05, 0);
    tally.mechanics.admittedAt(2, 0.05, 0);
    tally.mechanics.fcodeHolders.add(3);
    tally.mechanics.fcodesRedeemed = 1;
    expect(mechanicsInvariants(tally, stats({}), on).filter((i) => !i.ok)).toEqual([]);
    tally.purchases.accept(4, 'order-5', 1, 0.5);
    tally.mechanics.registeredAt(4, -1);
    expect(
      mechanicsInvariants(tally, stats({}), on)
        .filter((i) => !i.ok)
        .map((i) => i.name),
    ).toEqual(['only admitted buyers bought']);
  });

  it('reports figures only for the mechanisms the sale switched on', () => {
    const tally = tallyOfThree();
    tally.mechanics.registrationAttempts = 2;
    tally.mechanics.registeredAt(1, -3);
    tally.mechanics.registeredAt(2, -2);
    const figures = tally.mechanics.figures({
      appointments: true,
      fcodesIssued: 0,
      waitingRoom: false,
    });
    expect(figures).toEqual({
      registrations: { attempted: 2, registered: 2, perSecond: 2, seconds: 1 },
    });
  });
});
