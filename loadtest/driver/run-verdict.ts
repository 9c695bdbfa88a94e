import type { SaleStats } from '@flash/orders';
import { latencyPercentiles, maxOf, requestJson, waitForDrain } from '../bench/bench-support';
import { statsInvariants } from '../model/sale-invariants.js';
import type { Invariant } from '../model/types';
import { postgresInvariants } from './postgres-check';
import type { SaleRun } from './run-setup';
import type { MechanicsTally, PurchaseTally, RunTally } from './run-tally';
import type { RunDefences, RunResult } from './run-types';
import { fairnessFigures } from './fairness';
import { latencyByWindow, sellOutTime, unitsOverTime } from './summary';

/** The run's figures once the pipeline has drained, and every invariant checked. */
export interface RunVerdict {
  stats: SaleStats;
  invariants: Invariant[];
  sellOutSeconds: number | null;
  persistedAfterSellOutSeconds: number | null;
}

/** What the driver's own answers must agree with: every 202, 200 and refusal it saw. */
export function answerInvariants(
  p: PurchaseTally,
  st: SaleStats,
  perUserLimit: number,
): Invariant[] {
  const maxPerBuyer = p.maxUnitsPerBuyer();
  return [
    {
      name: 'every paid 200 counted',
      ok: st.paid === p.unitsPaid,
      detail: `paid answers ${p.unitsPaid}, stats.paid ${st.paid}`,
    },
    {
      name: 'every accepted unit accounted for',
      ok: p.unitsSold >= st.held + st.paid,
      detail: `202 units ${p.unitsSold}, live ${st.held + st.paid}`,
    },
    {
      name: 'replays return the same order',
      ok: p.replayMismatches === 0,
      detail: `${p.replayMismatches} mismatches`,
    },
    { name: 'bad requests refused', ok: p.badAccepted === 0, detail: `${p.badAccepted} accepted` },
    {
      name: 'per-user limit',
      ok: maxPerBuyer <= perUserLimit,
      detail: `max ${maxPerBuyer}, limit ${perUserLimit}`,
    },
  ];
}

/** The gates held: only registered or admitted buyers (or F-code holders) hold units. */
export function mechanicsInvariants(
  tally: RunTally,
  st: SaleStats,
  on: { appointments: boolean; waitingRoom: boolean; fcodesIssued: number },
): Invariant[] {
  const m: MechanicsTally = tally.mechanics;
  const winners = [...tally.purchases.unitsByBuyer.keys()];
  const without = (gate: ReadonlySet<number>) =>
    winners.filter((i) => !gate.has(i) && !m.fcodeHolders.has(i)).length;
  const unregistered = on.appointments ? without(m.registered) : 0;
  const unadmitted = on.waitingRoom ? without(m.admitted) : 0;
  const redeemed = st.fcodes?.redeemed ?? 0;
  return [
    {
      name: 'only registered buyers bought',
      ok: unregistered === 0,
      detail: `${unregistered} buyers without an appointment or F-code hold units`,
    },
    {
      name: 'only admitted buyers bought',
      ok: unadmitted === 0,
      detail: `${unadmitted} buyers without an admission or F-code hold units`,
    },
    {
      name: 'each F-code bought once',
      ok: m.fcodesRedeemed <= on.fcodesIssued && redeemed <= on.fcodesIssued,
      detail: `${m.fcodesRedeemed} F-code purchases, ${on.fcodesIssued} codes, stats ${JSON.stringify(st.fcodes ?? null)}`,
    },
  ];
}

/** Which of the sale's mechanisms this run switched on. */
export function mechanismsOn(run: SaleRun) {
  const m = run.scenario.mechanics;
  return {
    appointments: Boolean(m?.appointments),
    waitingRoom: Boolean(m?.waitingRoom),
    fcodesIssued: run.fcodes.length,
  };
}

/**
 * The last phase: wait for the pipeline to drain, then check the stats, the driver's own
 * answers, the gates, and Postgres itself.
 */
export async function judgeRun(run: SaleRun): Promise<RunVerdict> {
  const { net, saleId, admin, tally, opts } = run;
  const statsPath = `/admin/sales/${saleId}/stats`;
  const sellOut = sellOutTime(tally.purchases.sales, run.sale.units);
  const drain = await waitForDrain(net.http, saleId, admin, 120_000);
  const persistedAt = await run.persistence.persistedAt();
  const st = drain.stats;
  const invariants = [
    ...statsInvariants(st),
    ...answerInvariants(tally.purchases, st, run.scenario.perUserLimit),
    ...(run.plan ? mechanicsInvariants(tally, st, mechanismsOn(run)) : []),
    ...(await postgresInvariants(
      opts.database,
      saleId,
      async () => (await requestJson<SaleStats>(net.http, 'GET', statsPath, admin)).body,
      tally.purchases.acceptedOrders,
      run.scenario.perUserLimit,
    )),
  ];
  return {
    stats: st,
    invariants,
    sellOutSeconds: sellOut,
    persistedAfterSellOutSeconds:
      sellOut === null || persistedAt === null ? null : persistedAt - sellOut,
  };
}

/** The run's one results object, as reports and the README's tables read it. */
export function summariseRun(run: SaleRun, verdict: RunVerdict, runSeconds: number): RunResult {
  const { opts, scenario: s, sale, tally } = run;
  const p = tally.purchases;
  const sellingEnd = verdict.sellOutSeconds ?? Infinity;
  const pay = latencyPercentiles(p.payLatencies);
  const cpu = run.cpu.figures();
  return {
    at: new Date().toISOString(),
    scenario: s.name,
    title: s.title,
    mode: opts.mode,
    scale: opts.scale,
    timeScale: opts.timeScale,
    connections: opts.connections,
    historicSellOutSeconds: s.historicSellOutSeconds,
    timeCompression: s.timeCompression,
    saleId: run.saleId,
    units: sale.units,
    buyers: sale.buyers,
    targetSellOutSeconds: sale.targetSeconds,
    runSeconds,
    attempts: p.attempts,
    attemptsPerSecond: Math.round(p.attempts / Math.max(runSeconds, 0.001)),
    outcomes: p.sortedOutcomes(),
    latencyMs: latencyPercentiles(p.latencies.map((l) => l.ms)),
    sellingLatencyMs: latencyPercentiles(
      p.latencies.filter((l) => l.t <= sellingEnd).map((l) => l.ms),
    ),
    payLatencyMs: { p50: pay.p50, p99: pay.p99 },
    unitsSold: p.unitsSold,
    unitsPaid: p.unitsPaid,
    sellOutSeconds: verdict.sellOutSeconds,
    persistedAfterSellOutSeconds: verdict.persistedAfterSellOutSeconds,
    // Fine enough to see the sell-out itself, however long the tail of the run.
    unitsOverTime: unitsOverTime(p.sales, Math.max(0.05, maxOf(p.sales.map((e) => e.t)) / 100)),
    latencyOverTime: latencyByWindow(p.latencies, Math.max(0.1, runSeconds / 50)),
    finalStats: verdict.stats,
    invariants: verdict.invariants,
    ...(run.plan ? { mechanics: tally.mechanics.figures(mechanismsOn(run)) } : {}),
    ...(cpu ? { cpu } : {}),
    ...(run.cohort ? fairnessOf(run) : {}),
  };
}

/** The defences the sale had, and who won against who came. */
function fairnessOf(run: SaleRun): Pick<RunResult, 'defences' | 'fairness'> {
  const waitingRoom = Boolean(run.scenario.mechanics?.waitingRoom);
  const defences: RunDefences = {
    line: !waitingRoom ? 'none' : run.opts.preQueue === false ? 'first-come' : 'shuffled',
    proofOfWork: run.opts.proofOfWork ?? null,
  };
  return { defences, fairness: fairnessFigures(run.tally.fairness, run.cohort!, waitingRoom) };
}
