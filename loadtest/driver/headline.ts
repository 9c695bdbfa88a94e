import { readFileSync } from 'node:fs';
import { formatDuration, speedUp } from './report';
import type { RunResult } from './run-scenario';

/**
 * The README's headline table from recorded runs: per scenario, the historic sell-out time,
 * this system's time in max mode (and in historic mode, where it should match the target),
 * and how many times faster than Xiaomi's sale it sold out.
 *
 *   node dist/loadtest/driver/headline.js docs/results/*.json
 */
export function headlineTable(results: readonly RunResult[]): string {
  const order = ['m1-2011', 'youth-2012', 'm2-batch1-2012', 'm2-batch2-2012'];
  const byScenario = new Map<string, { max?: RunResult; historic?: RunResult }>();
  for (const r of results) {
    const entry = byScenario.get(r.scenario) ?? {};
    // The latest full-size run of each mode counts.
    if (r.scale === 1 && (!entry[r.mode] || entry[r.mode]!.at < r.at)) entry[r.mode] = r;
    byScenario.set(r.scenario, entry);
  }
  const names = [...byScenario.keys()].sort(
    (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  const rows = names.flatMap((name) => {
    const { max, historic } = byScenario.get(name)!;
    const any = max ?? historic;
    if (!any) return [];
    const maxTime = max?.sellOutSeconds;
    const ratio = max ? speedUp(max) : null;
    const historicRun =
      historic && historic.sellOutSeconds !== null && historic.targetSellOutSeconds !== null
        ? `${formatDuration(historic.sellOutSeconds)} (target ${formatDuration(historic.targetSellOutSeconds)})`
        : 'not run';
    return [
      `| ${name} | ${any.units.toLocaleString('en-US')} | ${formatDuration(any.historicSellOutSeconds)} | ${
        maxTime === undefined
          ? 'not run'
          : maxTime === null
            ? 'did not sell out'
            : formatDuration(maxTime)
      } | ${ratio === null ? 'n/a' : `${Math.round(ratio).toLocaleString('en-US')}x`} | ${
        max ? (max.sellingLatencyMs ?? max.latencyMs).p99.toFixed(1) : 'n/a'
      } | ${max?.persistedAfterSellOutSeconds == null ? 'n/a' : `${max.persistedAfterSellOutSeconds.toFixed(2)} s`} | ${historicRun} |`,
    ];
  });
  return [
    '| scenario | units | historic sell-out | max mode here | faster | purchase p99 until sell-out, ms | all in Postgres after | historic mode here |',
    '| --- | --: | --: | --: | --: | --: | --: | --- |',
    ...rows,
  ].join('\n');
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node dist/loadtest/driver/headline.js RESULT.json...');
    process.exit(1);
  }
  console.log(headlineTable(files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunResult)));
}
