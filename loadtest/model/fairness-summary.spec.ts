import { createHash } from 'node:crypto';
import { checkSolution, issueChallenge, solveChallenge } from '@flash/bot-defence/proof-of-work';
import { loadScenarioFile, resolveScenario } from '../driver/scenario';
import { cohortRole, personNotStartedWaitMs } from './bot-cohort.js';
import {
  crowdCounts,
  fairnessLines,
  latencyDecile,
  latencyDecileCuts,
} from './fairness-summary.js';
import { hexLeadingZeroBits, solveWithHex } from './proof-of-work.js';

const bots = resolveScenario(loadScenarioFile(), 'youth-2012-queue-bots').bots!;

describe('the fairness a k6 run counts', () => {
  it('cuts the crowd into ten latency deciles of about equal size', () => {
    const buyers = 20_000;
    const cuts = latencyDecileCuts(bots, buyers);
    expect(cuts).toHaveLength(9);
    expect([...cuts].sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual(cuts);
    const sizes = new Array<number>(10).fill(0);
    for (let i = 0; i < buyers; i++) sizes[latencyDecile(cohortRole(i, bots, buyers), cuts) - 1]++;
    // A tenth each, though many bots tie at 0 ms.
    for (const size of sizes) expect(Math.abs(size - buyers / 10)).toBeLessThan(buyers / 50);
    expect(latencyDecile({ latencyMs: -1, windowDraw: 0 }, cuts)).toBe(1);
    expect(latencyDecile({ latencyMs: 1e9, windowDraw: 0 }, cuts)).toBe(10);
  });

  it('counts the crowd as the Node driver counts it', () => {
    const crowd = crowdCounts(bots, 7500);
    const roles = Array.from({ length: 7500 }, (_, i) => cohortRole(i, bots, 7500));
    expect(crowd.bots).toBe(roles.filter((r) => r.bot).length);
    expect(crowd.people + crowd.bots).toBe(7500);
    expect(crowd.operators).toBe(new Set(roles.filter((r) => r.bot).map((r) => r.operator)).size);
  });

  it('prints the bots’ share of the units against a fair draw, and each decile’s chance', () => {
    const counts: Record<string, number> = {
      units_won_by_bots: 300,
      units_won_by_people: 700,
      came_bots: 1000,
      came_people: 3000,
      came_latency_decile_1: 400,
      won_latency_decile_1: 100,
    };
    const lines = fairnessLines({ people: 3000, bots: 1000, operators: 3 }, (n) => counts[n] ?? 0);
    expect(lines[0]).toBe(
      'bots 25.0 % of the crowd (1000 accounts, 3 operators); came: bots 1000, people 3000',
    );
    // ± 2 standard errors of 1,000 winners drawn from a quarter: 22.3 % to 27.7 %.
    expect(lines[1]).toBe(
      'units won: bots 300, people 700; bots’ share 30.0 % (a fair draw: 22.3 % to 27.7 %); win chance: people 23.3 %, bots 30.0 %',
    );
    expect(lines[2]).toMatch(/fastest first\): 25\.0 %, n\/a, n\/a/);
  });
});

describe('the hex solver k6 runs', () => {
  it('reads leading zero bits from hex', () => {
    expect(hexLeadingZeroBits('ff')).toBe(0);
    expect(hexLeadingZeroBits('7f')).toBe(1);
    expect(hexLeadingZeroBits('0f')).toBe(4);
    expect(hexLeadingZeroBits('001')).toBe(11);
    expect(hexLeadingZeroBits('0000')).toBe(16);
  });

  it('finds the solution the server’s solver finds, and the server accepts it', () => {
    const secret = 'a-secret-for-this-test-only-000000000';
    const now = Date.now();
    const fields = { saleId: 's-1', buyerId: 'b-1', expiresAtMs: now + 60_000, difficulty: 10 };
    const token = issueChallenge(fields, secret);
    const hex = (s: string) => createHash('sha256').update(s).digest('hex');
    const solution = solveWithHex(token, 10, hex);
    expect(solution).toBe(solveChallenge(token, 10));
    const expected = { saleId: 's-1', buyerId: 'b-1', nowMs: now };
    expect(checkSolution(token, solution, secret, expected)).toMatchObject({ kind: 'ok' });
    expect(() => solveWithHex(token, 30, hex, 5)).toThrow(/no solution in 5 tries/);
  });
});

describe('a person told NOT_STARTED', () => {
  it('waits for the countdown to end and then their reaction, never less than 20 ms', () => {
    expect(personNotStartedWaitMs(5000, 300)).toBe(5300);
    expect(personNotStartedWaitMs(0, 120)).toBe(120);
    expect(personNotStartedWaitMs(-500, 100)).toBe(20);
  });
});
