import type { FaultVerdict } from './verdict';

/** Scenarios whose Redis may lose acknowledged orders: each buyer must then be told (410). */
const MAY_LOSE = new Set(['b', 'c', 'c100k', 'k']);

/** How soon purchases must resume: 10 s after a failover, 30 s after an empty restart. */
const RESUME_WITHIN_MS: Record<string, number> = {
  a: 10_000,
  b: 10_000,
  'b-wait': 10_000,
  k: 10_000,
  'k-wait': 10_000,
  l: 10_000,
  c: 30_000,
  c100k: 30_000,
};

/** Whether a verdict meets the targets of its scenario. */
export function meetsTargets(v: FaultVerdict): { ok: boolean; misses: string[] } {
  const misses: string[] = [];
  if (v.oversold > 0) misses.push(`${v.oversold} units oversold in Postgres`);
  if (v.duplicated > 0) misses.push(`${v.duplicated} duplicated orders`);
  if (v.errors5xx > 0) misses.push(`${v.errors5xx} answers 500`);
  if (!v.drained) misses.push('the pipeline did not drain');
  misses.push(...v.mismatches);
  // An empty Redis may lose what it had not relayed yet; each such buyer must hear the truth.
  const untruthful = v.lost - v.lostAnsweredTruthfully;
  // So may a failover to a replica that lagged, when purchases did not wait for it.
  if (MAY_LOSE.has(v.scenario)) {
    if (untruthful > 0) misses.push(`${untruthful} lost orders answered 404, not 410`);
  } else if (v.lost > 0) {
    misses.push(`${v.lost} acknowledged orders lost`);
  }
  const resumeWithinMs = RESUME_WITHIN_MS[v.scenario];
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
