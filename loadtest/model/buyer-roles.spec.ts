import { loadScenarioFile, parseScenarioFile, resolveScenario } from '../driver/scenario';
import {
  buyerBehaviour,
  payDelaySeconds,
  planMechanics,
  pollDelaySeconds,
  ticketIsFinal,
} from './buyer-roles.js';
import { seededRandom } from './prng.js';

describe('planMechanics', () => {
  const scenario = resolveScenario(loadScenarioFile(), 'youth-2012-queue');
  const mechanics = scenario.mechanics!;

  it('scales codes and the admission rate with the crowd, and compresses time', () => {
    const plan = planMechanics(mechanics, 7500, 0.01, 0.05);
    expect(plan.fcodes).toBe(30);
    expect(plan.fcodeStride).toBe(250);
    // 226/s for the whole crowd; a hundredth of it, twenty times faster.
    expect(plan.admissionRate).toBe(45);
    expect(plan.priorityLeadSeconds).toBe(15);
    expect(plan.admissionTtlSeconds).toBe(6);
    expect(planMechanics(mechanics, 7500, 0.01, 1).admissionTtlSeconds).toBe(120);
  });

  it('gives roles in the scenario shares, F-codes to evenly spread buyers', () => {
    const plan = planMechanics(mechanics, 20_000, 0.1, 1);
    const roles = Array.from({ length: 20_000 }, (_, i) => plan.roleOf(i));
    const holders = roles.flatMap((r, i) => (r.fcode ? [i] : []));
    expect(holders).toHaveLength(300);
    expect(holders.slice(0, 3)).toEqual([0, 66, 132]);
    const share = (pick: (r: (typeof roles)[number]) => boolean) =>
      roles.filter(pick).length / roles.length;
    expect(share((r) => r.registered)).toBeCloseTo(0.9, 1);
    expect(share((r) => r.preQueue)).toBeCloseTo(0.6, 1);
    expect(share((r) => r.follows)).toBeLessThan(0.03);
    // The same buyer, the same role: runs repeat.
    expect(plan.roleOf(4242)).toEqual(planMechanics(mechanics, 20_000, 0.1, 1).roleOf(4242));
  });

  it('is refused by the schema when malformed', () => {
    const file = loadScenarioFile();
    const broken = JSON.parse(JSON.stringify(file));
    broken.scenarios['youth-2012-queue'].mechanics.waitingRoom.admissionRate = 0;
    expect(() => parseScenarioFile(broken)).toThrow(/admissionRate/);
    const empty = JSON.parse(JSON.stringify(file));
    empty.scenarios['youth-2012-queue'].mechanics = {};
    expect(() => parseScenarioFile(empty)).toThrow(/mechanics/);
    expect(resolveScenario(file, 'youth-2012').mechanics).toBeNull();
  });
});

describe('a buyer’s behaviour', () => {
  const { behaviour } = resolveScenario(loadScenarioFile(), 'youth-2012');

  it('draws bad request, replay, retry and payment in that order from the buyer’s own stream', () => {
    const draws = buyerBehaviour(41, behaviour);
    const random = seededRandom(42);
    expect(draws.bad).toBe(random() < behaviour.badRequestShare);
    expect(draws.replays).toBe(random() < behaviour.replayShare);
    expect(draws.retries).toBe(random() < behaviour.retryShare ? behaviour.maxRetries : 0);
    expect(draws.pays).toBe(random() < behaviour.payShare);
    // Later draws (retry and payment delays) continue the same stream.
    expect(draws.random()).toBe(random());
  });

  it('comes out in the scenario’s shares over a crowd', () => {
    const crowd = Array.from({ length: 20_000 }, (_, i) => buyerBehaviour(i, behaviour));
    const share = (pick: (d: (typeof crowd)[number]) => boolean) =>
      crowd.filter(pick).length / crowd.length;
    expect(share((d) => d.pays)).toBeCloseTo(behaviour.payShare, 1);
    expect(share((d) => d.retries > 0)).toBeCloseTo(behaviour.retryShare, 1);
  });

  it('waits to pay between the scenario’s bounds, compressed with the sale and the run', () => {
    const b = { ...behaviour, payDelayMinSeconds: 10, payDelayMaxSeconds: 30 };
    expect(payDelaySeconds(b, () => 0, 1, 1)).toBe(10);
    expect(payDelaySeconds(b, () => 0.5, 1, 1)).toBe(20);
    // A sale compressed 60 times, run at a tenth of its pace.
    expect(payDelaySeconds(b, () => 0.5, 60, 0.1)).toBeCloseTo(20 / 60 / 10);
  });
});

describe('the waiting room seen from a buyer', () => {
  it('polls at half the estimated wait, between 0.2 and 30 seconds', () => {
    expect(pollDelaySeconds(null)).toBe(1);
    expect(pollDelaySeconds(undefined)).toBe(1);
    expect(pollDelaySeconds(0)).toBe(0.2);
    expect(pollDelaySeconds(10)).toBe(5);
    expect(pollDelaySeconds(600)).toBe(30);
  });

  it('stops waiting on a final ticket only', () => {
    expect(['sold_out', 'expired', 'used', 'ended'].every(ticketIsFinal)).toBe(true);
    expect(['waiting', 'admitted'].some(ticketIsFinal)).toBe(false);
  });
});
