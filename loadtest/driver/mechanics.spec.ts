import { planMechanics, pollDelaySeconds, ratePerSecond } from './mechanics';
import { loadScenarioFile, parseScenarioFile, resolveScenario } from './scenario';

describe('planMechanics', () => {
  const scenario = resolveScenario(loadScenarioFile(), 'youth-2012-queue');
  const mechanics = scenario.mechanics!;

  it('scales codes and the admission rate with the crowd, and compresses time', () => {
    const plan = planMechanics(mechanics, 7500, 0.01, 0.05);
    expect(plan.fcodes).toBe(30);
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

describe('polling and rates', () => {
  it('polls at half the estimated wait, between 0.2 and 30 seconds', () => {
    expect(pollDelaySeconds(null)).toBe(1);
    expect(pollDelaySeconds(0)).toBe(0.2);
    expect(pollDelaySeconds(10)).toBe(5);
    expect(pollDelaySeconds(600)).toBe(30);
  });

  it('measures events per second over the span they happened in', () => {
    expect(ratePerSecond([])).toBe(0);
    expect(ratePerSecond([1, 1.5, 2, 3])).toBe(2);
  });
});
