import { loadScenarioFile } from '../driver/scenario';
import { ScenarioError, resolveScenario, runLimitSeconds, scaleSale } from './scenario-model.js';

describe('sizing a scenario for a run', () => {
  const file = loadScenarioFile();
  const youth = resolveScenario(file, 'youth-2012');
  const m1 = resolveScenario(file, 'm1-2011');

  it('scales units and crowd together, never below one unit or below the units', () => {
    const sale = scaleSale(youth, { mode: 'max', scale: 0.01, timeScale: 1 });
    expect(sale.units).toBe(1500);
    expect(sale.buyers).toBe(Math.round(youth.buyers * 0.01));
    expect(scaleSale(youth, { mode: 'max', scale: 1e-9, timeScale: 1 })).toMatchObject({
      units: 1,
      buyers: 1,
    });
  });

  it('aims historic mode at the compressed sell-out, and gives max mode no target', () => {
    const historic = scaleSale(m1, { mode: 'historic', scale: 0.1, timeScale: 0.5 });
    expect(historic.targetSeconds).toBeCloseTo((122_400 / m1.timeCompression) * 0.5);
    expect(historic.decaySeconds).toBeCloseTo(m1.runDecaySeconds * 0.5);
    expect(historic.mechanicsTimeFactor).toBeCloseTo(0.5 / m1.timeCompression);
    expect(historic.payDelayCompression).toBe(m1.timeCompression);
    const max = scaleSale(m1, { mode: 'max', scale: 0.1, timeScale: 0.5 });
    expect(max.targetSeconds).toBeNull();
    expect(max.mechanicsTimeFactor).toBe(1);
    expect(max.payDelayCompression).toBe(1);
  });

  it('caps a run at twice the target and half a minute (historic), ten minutes (max), an hour at most', () => {
    expect(runLimitSeconds('historic', 652)).toBe(652 * 2 + 30);
    expect(runLimitSeconds('max', 652)).toBe(600);
    expect(runLimitSeconds('max', 652, 45)).toBe(45);
    expect(runLimitSeconds('historic', 652, 10_000)).toBe(3600);
  });

  it('refuses an unknown scenario with a ScenarioError, and does not find inherited names', () => {
    expect(() => resolveScenario(file, 'mi-9')).toThrow(ScenarioError);
    expect(() => resolveScenario(file, 'toString')).toThrow(/no scenario "toString"/);
  });
});
