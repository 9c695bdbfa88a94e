import {
  ScenarioFile,
  ScenarioFileError,
  loadScenarioFile,
  parseScenarioFile,
  resolveScenario,
} from './scenario';

describe('loadtest/scenarios.json', () => {
  const file = loadScenarioFile();

  it('passes its schema and holds the historic sales', () => {
    expect(Object.keys(file.scenarios).sort()).toEqual([
      'india-2014',
      'india-2014-mi3',
      'm1-2011',
      'm2-batch1-2012',
      'm2-batch2-2012',
      'youth-2012',
      'youth-2012-queue',
      'youth-2012-queue-bots',
    ]);
    const figures = Object.fromEntries(
      Object.entries(file.scenarios).map(([name, s]) => [
        name,
        [s.units, s.historicSellOutSeconds],
      ]),
    );
    expect(figures).toEqual({
      'm1-2011': [300_000, 34 * 3600],
      'youth-2012': [150_000, 10 * 60 + 52],
      'youth-2012-queue': [150_000, 10 * 60 + 52],
      // The same sale and waiting room, a quarter of its accounts run by bot operators.
      'youth-2012-queue-bots': [150_000, 10 * 60 + 52],
      'm2-batch1-2012': [50_000, 2 * 60 + 51],
      'm2-batch2-2012': [100_000, 2 * 60 + 29],
      // Flipkart, 2014: Redmi 1S and Mi 3, to buyers who registered beforehand.
      'india-2014': [40_000, 4.2],
      'india-2014-mi3': [20_000, 2.4],
    });
    expect(file.scenarios['india-2014'].oversubscription! * 40_000).toBe(250_000);
    expect(file.scenarios['youth-2012-queue-bots'].mechanics).toEqual(
      file.scenarios['youth-2012-queue'].mechanics,
    );
    expect(file.scenarios['youth-2012-queue-bots'].bots?.share).toBe(0.25);
  });

  it('compresses the 34-hour sale, payment window included, to under 10 minutes', () => {
    const m1 = resolveScenario(file, 'm1-2011');
    expect(m1.targetSellOutSeconds).toBeLessThan(600);
    expect(m1.targetSellOutSeconds).toBeCloseTo(122_400 / m1.timeCompression);
    expect(m1.runPaymentWindowSeconds).toBeCloseTo(1800 / m1.timeCompression);
    expect(m1.behaviour.payShare).toBe(0.7);
    expect(m1.behaviour.retryShare).toBe(file.defaults.behaviour.retryShare);
  });

  it('runs the others in real time with a population several times the units', () => {
    const youth = resolveScenario(file, 'youth-2012');
    expect(youth.targetSellOutSeconds).toBe(652);
    expect(youth.buyers).toBe(150_000 * youth.oversubscription);
    expect(youth.oversubscription).toBeGreaterThan(1);
  });

  it('compresses the payment delay with the sale and keeps it inside the window', () => {
    const m1 = resolveScenario(file, 'm1-2011');
    const b = file.defaults.behaviour;
    expect(m1.runPayDelaySeconds).toEqual([
      b.payDelayMinSeconds / m1.timeCompression,
      b.payDelayMaxSeconds / m1.timeCompression,
    ]);
    expect(m1.runPayDelaySeconds[1]).toBeLessThan(m1.runPaymentWindowSeconds);
    const late = JSON.parse(JSON.stringify(file)) as ScenarioFile;
    late.defaults.behaviour.payDelayMaxSeconds = late.defaults.paymentWindowSeconds;
    expect(() => resolveScenario(late, 'youth-2012')).toThrow(/inside the payment window/);
    late.defaults.behaviour.payDelayMinSeconds = late.defaults.paymentWindowSeconds + 1;
    expect(() => resolveScenario(late, 'youth-2012')).toThrow(/above payDelayMaxSeconds/);
  });

  it('names an unknown scenario and the known ones', () => {
    expect(() => resolveScenario(file, 'mi-9')).toThrow(/no scenario "mi-9"; known: m1-2011/);
  });
});

describe('scenario file schema', () => {
  const good = (): ScenarioFile => JSON.parse(JSON.stringify(loadScenarioFile())) as ScenarioFile;

  it.each<[string, (f: ScenarioFile) => void, RegExp]>([
    [
      'a scenario without units',
      (f) => delete (f.scenarios['youth-2012'] as Partial<ScenarioFile['scenarios'][string]>).units,
      /units/,
    ],
    ['fractional units', (f) => (f.scenarios['youth-2012'].units = 1.5), /must be integer/],
    ['a share above 1', (f) => (f.defaults.behaviour.payShare = 1.2), /must be <= 1/],
    [
      'an unknown field',
      (f) => ((f.scenarios['youth-2012'] as unknown as Record<string, unknown>).stok = 5),
      /additional properties \(stok\)/,
    ],
    [
      'a compression below 1',
      (f) => (f.scenarios['m1-2011'].timeCompression = 0.5),
      /must be >= 1/,
    ],
    [
      'a bad scenario name',
      (f) => (f.scenarios['Bad Name'] = f.scenarios['youth-2012']),
      /property name/,
    ],
  ])('refuses %s', (_name, spoil, message) => {
    const f = good();
    spoil(f);
    expect(() => parseScenarioFile(f)).toThrow(ScenarioFileError);
    expect(() => parseScenarioFile(f)).toThrow(message);
  });
});
