import type { FaultVerdict } from './verdict';

/** What a scenario must meet beyond what every scenario keeps (nothing oversold, ...). */
export interface FaultTargets {
  /**
   * Its Redis may lose acknowledged orders (restarted empty, or failed over to a replica that
   * lagged while purchases did not wait for it): each such buyer must then be told (410).
   */
  mayLose?: boolean;
  /** Purchases resume within this long after the fault ends (a failover, an empty restart). */
  resumeWithinMs?: number;
}

/** Whether a verdict meets the targets of its scenario. */
export function meetsTargets(
  v: FaultVerdict,
  targets: FaultTargets = {},
): { ok: boolean; misses: string[] } {
  const misses: string[] = [];
  if (v.oversold > 0) misses.push(`${v.oversold} units oversold in Postgres`);
  if (v.duplicated > 0) misses.push(`${v.duplicated} duplicated orders`);
  if (v.errors5xx > 0) misses.push(`${v.errors5xx} answers 500`);
  if (!v.drained) misses.push('the pipeline did not drain');
  misses.push(...v.mismatches);
  // An empty Redis may lose what it had not relayed yet; each such buyer must hear the truth.
  const untruthful = v.lost - v.lostAnsweredTruthfully;
  // So may a failover to a replica that lagged, when purchases did not wait for it.
  if (targets.mayLose) {
    if (untruthful > 0) misses.push(`${untruthful} lost orders answered 404, not 410`);
  } else if (v.lost > 0) {
    misses.push(`${v.lost} acknowledged orders lost`);
  }
  const { resumeWithinMs } = targets;
  if (
    resumeWithinMs !== undefined &&
    (v.resumedAfterMs === null || v.resumedAfterMs > resumeWithinMs)
  )
    misses.push(`purchases did not resume within ${resumeWithinMs / 1000} s`);
  return { ok: misses.length === 0, misses };
}

/** The markdown table of a suite run. */
export function faultTable(verdicts: FaultVerdict[], titles: Record<string, string>): string {
  const head =
    '| scenario | acknowledged | lost (answered 410) | duplicated | oversold in Postgres | 500s | 503s and drops | resumed after | targets | notes |\n' +
    '| --- | --: | --: | --: | --: | --: | --: | --: | --- | --- |';
  const rows = verdicts.map((v) => {
    const verdict = meetsTargets(v);
    const resumed = v.resumedAfterMs === null ? 'n/a' : `${(v.resumedAfterMs / 1000).toFixed(1)} s`;
    return `| ${v.scenario}: ${titles[v.scenario] ?? ''} | ${v.acknowledged} | ${v.lost} (${v.lostAnsweredTruthfully}) | ${v.duplicated} | ${v.oversold} | ${v.errors5xx} | ${v.refused} | ${resumed} | ${verdict.ok ? 'met' : `missed: ${verdict.misses.join('; ')}`} | ${v.notes} |`;
  });
  return [head, ...rows].join('\n');
}
