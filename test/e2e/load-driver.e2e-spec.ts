import { runScenario } from '../../loadtest/driver/run-scenario';
import { loadScenarioFile, resolveScenario } from '../../loadtest/driver/scenario';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/**
 * The project's load driver, small: a scaled-down historic sale against the real stack,
 * in both modes, with its bad requests, replays, retries and payments; every invariant
 * it reads back from the stats must hold.
 */
describe('load driver against the stack', () => {
  let e2e: E2E;
  const scenarios = loadScenarioFile();

  beforeAll(async () => {
    // Admissions every 50 ms, so the scaled-down waiting room keeps its pace.
    e2e = await startE2E({ ADMISSION_TICK_MS: '50' });
  });
  afterAll(async () => {
    await stopE2E(e2e);
  });

  it('max mode: m2-batch1-2012 at 2 % sells every unit and keeps every invariant', async () => {
    const result = await runScenario({
      url: e2e.stack.baseUrl,
      scenario: resolveScenario(scenarios, 'm2-batch1-2012'),
      mode: 'max',
      scale: 0.02,
      // In max mode the time scale only shortens the payment delays.
      timeScale: 0.01,
      connections: 50,
      limitSeconds: 120,
      jwtSecret: e2e.world.config.jwtSecret,
      database: { url: e2e.world.config.databaseUrl, schema: e2e.world.config.databaseSchema },
    });
    expect(result.units).toBe(1000);
    expect(result.unitsSold).toBe(1000);
    expect(result.sellOutSeconds).not.toBeNull();
    expect(result.outcomes.SOLD_OUT).toBeGreaterThan(0);
    expect(result.outcomes.bad_request_refused).toBeGreaterThan(0);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(result.finalStats).toMatchObject({ stock: 1000, remaining: 0, pipelineLag: 0 });
    expect(result.invariants.map((i) => i.name)).toEqual(
      expect.arrayContaining(['per-user limit in Postgres', 'payments reached Postgres']),
    );
    expect(result.outcomes.paid).toBeGreaterThan(0);
  });

  it('historic mode: youth-2012 scaled down in units and time sells out and keeps every invariant', async () => {
    const result = await runScenario({
      url: e2e.stack.baseUrl,
      scenario: resolveScenario(scenarios, 'youth-2012'),
      mode: 'historic',
      scale: 0.005,
      timeScale: 0.005,
      connections: 50,
      // Late fans keep arriving at the floor rate after the sell-out; 10 s of them is plenty.
      limitSeconds: 10,
      jwtSecret: e2e.world.config.jwtSecret,
      database: { url: e2e.world.config.databaseUrl, schema: e2e.world.config.databaseSchema },
    });
    expect(result.units).toBe(750);
    expect(result.targetSellOutSeconds).toBeCloseTo(3.26);
    expect(result.unitsSold).toBe(750);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(result.unitsOverTime[result.unitsOverTime.length - 1].units).toBe(750);
  });

  it('historic mode with the mechanics: youth-2012-queue registers, queues, admits and sells out', async () => {
    const result = await runScenario({
      url: e2e.stack.baseUrl,
      scenario: resolveScenario(scenarios, 'youth-2012-queue'),
      mode: 'historic',
      scale: 0.004,
      timeScale: 0.02,
      connections: 50,
      limitSeconds: 20,
      jwtSecret: e2e.world.config.jwtSecret,
      database: { url: e2e.world.config.databaseUrl, schema: e2e.world.config.databaseSchema },
    });
    expect(result.units).toBe(600);
    expect(result.unitsSold).toBe(600);
    const m = result.mechanics!;
    // Every buyer with an appointment got it; the others were refused at the queue.
    expect(m.registrations!.registered).toBe(m.registrations!.attempted);
    expect(result.outcomes.join_NOT_REGISTERED).toBeGreaterThan(0);
    expect(m.fcodes).toEqual({ issued: 12, redeemed: 12 });
    expect(m.queue!.joins).toBeGreaterThan(600);
    expect(m.queue!.admitted).toBeGreaterThanOrEqual(600 - 12);
    expect(m.queue!.joinToPaySeconds.p50).toBeGreaterThan(0);
    expect(m.queue!.soldOutSeen).toBeGreaterThan(0);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(result.invariants.map((i) => i.name)).toEqual(
      expect.arrayContaining(['only registered buyers bought', 'only admitted buyers bought']),
    );
    expect(result.finalStats).toMatchObject({
      registrations: m.registrations!.registered,
      fcodes: { issued: 12, redeemed: 12 },
    });
  });

  it('a crowd with bots, a shuffled pre-queue and proof of work: every join solved for real, fairness measured', async () => {
    const result = await runScenario({
      url: e2e.stack.baseUrl,
      scenario: resolveScenario(scenarios, 'youth-2012-queue-bots'),
      mode: 'historic',
      scale: 0.002,
      timeScale: 0.02,
      connections: 64,
      limitSeconds: 20,
      // 300 units admitted in about 2 s rather than the scaled-down 23 a second.
      admissionRate: 150,
      preQueueSeconds: 2,
      proofOfWork: { serverDifficulty: 6, difficulty: 18, lifetimeSeconds: 30 },
      jwtSecret: e2e.world.config.jwtSecret,
      database: { url: e2e.world.config.databaseUrl, schema: e2e.world.config.databaseSchema },
    });
    expect(result.unitsSold).toBe(result.units);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
    // Registrations and joins each spent a solution the server checked: none was refused.
    expect(result.outcomes.challenge_solved).toBeGreaterThan(result.units);
    expect(Object.keys(result.outcomes).filter((k) => k.includes('PROOF_OF_WORK'))).toEqual([]);
    expect(result.defences).toEqual({
      line: 'shuffled',
      proofOfWork: { serverDifficulty: 6, difficulty: 18, lifetimeSeconds: 30 },
    });
    const f = result.fairness!;
    expect(f.bots + f.people).toBe(result.buyers);
    expect(f.botShareOfCrowd).toBeGreaterThan(0.15);
    expect(f.winners.people + f.winners.bots).toBe(result.unitsSold);
    expect(f.byLatencyDecile).toHaveLength(10);
    expect(f.arrivalVsAdmission).not.toBeNull();
  }, 120_000);
});
