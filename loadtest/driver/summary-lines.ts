import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuRows, fairnessRows, renderChart, renderPage } from './report';
import type { RunResult } from './run-types';

/** The run's figures and invariants, as `npm run loadtest` prints them. */
export function summaryLines(r: RunResult): string[] {
  const selling = r.sellingLatencyMs ?? r.latencyMs;
  const s = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)} s`);
  return [
    `units ${r.units}, buyers ${r.buyers}, sale ${r.saleId}`,
    `requests               ${r.attempts} in ${r.runSeconds.toFixed(1)} s (${r.attemptsPerSecond}/s: purchases, replays, payments, bad requests)`,
    `purchase latency ms    p50 ${r.latencyMs.p50.toFixed(2)}  p95 ${r.latencyMs.p95.toFixed(2)}  p99 ${r.latencyMs.p99.toFixed(2)}`,
    `  until the sell-out   p50 ${selling.p50.toFixed(2)}  p95 ${selling.p95.toFixed(2)}  p99 ${selling.p99.toFixed(2)}`,
    `pay latency ms         p50 ${r.payLatencyMs.p50.toFixed(2)}  p99 ${r.payLatencyMs.p99.toFixed(2)}`,
    `outcomes               ${Object.entries(r.outcomes)
      .map(([k, v]) => `${k}: ${v}`)
      .join('  ')}`,
    `units sold / paid      ${r.unitsSold} / ${r.unitsPaid}`,
    `time to sell out       ${s(r.sellOutSeconds)}${r.targetSellOutSeconds === null ? '' : ` (target ${s(r.targetSellOutSeconds)})`}`,
    `all in Postgres        ${s(r.persistedAfterSellOutSeconds)} after the sell-out`,
    ...mechanicsLines(r),
    ...fairnessRows(r).map(([k, v]) => `${k.padEnd(22)} ${v}`),
    ...cpuRows(r).map(([k, v]) => `${k.padEnd(22)} ${v}`),
    'invariants:',
    ...r.invariants.map((i) => `  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`),
  ];
}

function mechanicsLines(r: RunResult): string[] {
  const m = r.mechanics;
  if (!m) return [];
  const lines: string[] = [];
  if (m.registrations) {
    const g = m.registrations;
    lines.push(
      `registrations          ${g.registered} of ${g.attempted} in ${g.seconds.toFixed(1)} s (${g.perSecond}/s)`,
    );
  }
  if (m.fcodes)
    lines.push(`F-codes                ${m.fcodes.redeemed} of ${m.fcodes.issued} redeemed`);
  if (m.queue) {
    const q = m.queue;
    lines.push(
      `queue joins            ${q.joins} (${q.joinsPerSecond}/s over the run; pre-queue ${q.preQueueJoins ?? 0} at ${q.preQueueJoinsPerSecond ?? 0}/s)`,
      `admissions             ${q.admitted} (${q.admissionsPerSecond}/s); ${q.soldOutSeen} told sold out; ${q.followers} followed over SSE (${q.sseReconnects} streams reopened)`,
      `join to admission s    p50 ${q.joinToAdmitSeconds.p50.toFixed(2)}  p99 ${q.joinToAdmitSeconds.p99.toFixed(2)}`,
      `join to payment s      p50 ${q.joinToPaySeconds.p50.toFixed(2)}  p99 ${q.joinToPaySeconds.p99.toFixed(2)}`,
    );
  }
  return lines;
}

/** Writes the run as JSON, an SVG chart and an HTML page; returns their path without extension. */
export function writeRunFiles(result: RunResult, dir: string, name?: string): string {
  mkdirSync(dir, { recursive: true });
  const base = join(
    dir,
    name ?? `${result.scenario}-${result.mode}-${result.at.replace(/[:.]/g, '-')}`,
  );
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2));
  writeFileSync(`${base}.svg`, renderChart(result));
  writeFileSync(`${base}.html`, renderPage(result));
  return base;
}
