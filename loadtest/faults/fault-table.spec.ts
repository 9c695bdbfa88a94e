import { faultTable, meetsTargets } from './fault-table';
import type { FaultVerdict } from './verdict';

const clean: FaultVerdict = {
  scenario: 'e',
  acknowledged: 400,
  lost: 0,
  lostAnsweredTruthfully: 0,
  duplicated: 0,
  oversold: 0,
  errors5xx: 0,
  refused: 12,
  resumedAfterMs: 300,
  drained: true,
  mismatches: [],
  notes: '',
};

describe('fault targets', () => {
  it('meets the targets with nothing lost, duplicated, oversold or 500', () => {
    expect(meetsTargets(clean)).toEqual({ ok: true, misses: [] });
  });

  it('misses on any lost order outside an empty Redis, and on oversell, duplicates and 500s', () => {
    const bad = { ...clean, lost: 2, duplicated: 1, oversold: 3, errors5xx: 4, drained: false };
    expect(meetsTargets(bad).misses).toEqual([
      '3 units oversold in Postgres',
      '1 duplicated orders',
      '4 answers 500',
      'the pipeline did not drain',
      '2 acknowledged orders lost',
    ]);
  });

  it('lets an empty Redis lose unrelayed orders only if each is answered truthfully, and resume in 30 s', () => {
    const c = { ...clean, scenario: 'c', lost: 5, lostAnsweredTruthfully: 5, resumedAfterMs: 1200 };
    const targets = { mayLose: true, resumeWithinMs: 30_000 };
    expect(meetsTargets(c, targets).ok).toBe(true);
    expect(meetsTargets(c).misses).toEqual(['5 acknowledged orders lost']);
    expect(meetsTargets({ ...c, lostAnsweredTruthfully: 4 }, targets).misses).toEqual([
      '1 lost orders answered 404, not 410',
    ]);
    expect(meetsTargets({ ...c, resumedAfterMs: 31_000 }, targets).ok).toBe(false);
    expect(meetsTargets({ ...c, resumedAfterMs: null }, targets).misses).toEqual([
      'purchases did not resume within 30 s',
    ]);
  });

  it("misses on whatever a scenario's own checks found", () => {
    expect(
      meetsTargets({ ...clean, mismatches: ['2 charges kept on unpaid orders'] }).misses,
    ).toEqual(['2 charges kept on unpaid orders']);
  });

  it('prints one row per scenario', () => {
    const table = faultTable([clean], { e: 'API killed' });
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('| e: API killed | 400 | 0 (0) | 0 | 0 | 0 | 12 | 0.3 s | met |  |');
  });
});
