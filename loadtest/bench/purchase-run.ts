import { Pool } from 'undici';
import { RawHttpConnection, rawRequest } from './raw-http';
import {
  assertLoopback,
  checkInvariants,
  maxOf,
  mintToken,
  percentile,
  requestJson,
  waitForDrain,
  warmUp,
} from './bench-support';
import type { SaleStats } from './bench-support';

export interface PurchaseBenchOptions {
  url: string;
  connections: number;
  stock: number;
  buyers: number;
  perUserLimit: number;
  maxAttempts: number;
  maxDurationMs: number;
  /** Each buyer who gets a 202 pays at once on the same connection. */
  pay: boolean;
  warmupAttempts: number;
  jwtSecret: string;
  /** Live progress, about twice a second. */
  onProgress?: (line: string) => void;
}

export interface PurchaseBenchResult {
  at: string;
  url: string;
  connections: number;
  stock: number;
  buyers: number;
  perUserLimit: number;
  attempts: number;
  elapsedMs: number;
  attemptsPerSecond: number;
  sellingPhase: { attempts: number; ms: number; attemptsPerSecond: number };
  soldOutPhase: { attempts: number; attemptsPerSecond: number };
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** p99 of the attempts answered before the sell-out: the contended phase. */
  sellingLatencyMs: { p50: number; p99: number };
  outcomes: Record<string, number>;
  acceptedUnits: number;
  payments?: {
    paidUnits: number;
    paidPerSecond: number;
    latencyMs: { p50: number; p99: number };
    outcomes: Record<string, number>;
  };
  sellOutMs: number;
  drainAfterRunMs: number;
  finalStats: SaleStats;
  invariants: { name: string; ok: boolean; detail: string }[];
}

/**
 * Against a running stack: creates a sale, then `connections` keep-alive connections fire
 * purchase attempts back to back (closed model), each from the next buyer in turn, until
 * `maxAttempts` are sent or `maxDurationMs` passes. Then waits for the pipeline to drain
 * and checks the invariants.
 */
export async function runPurchaseBench(o: PurchaseBenchOptions): Promise<PurchaseBenchResult> {
  const url = assertLoopback(o.url);
  const maxAttempts = Math.min(o.maxAttempts, 5_000_000);
  const pool = new Pool(url.origin, {
    connections: o.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  const admin = mintToken('bench-admin', o.jwtSecret, true);

  // Buyer tokens are minted up front so signing costs the driver nothing during the run.
  const tokens = Array.from(
    { length: o.buyers },
    (_, i) => `Bearer ${mintToken(`b${i}`, o.jwtSecret)}`,
  );
  const host = url.host;

  await warmUp(pool, admin, o.jwtSecret, o.warmupAttempts, Math.min(o.connections, 50));

  const created = await requestJson<{ id: string }>(pool, 'POST', '/admin/sales', admin, {
    name: 'bench',
    sku: 'BENCH',
    price: 99_900,
    stock: o.stock,
    startsAt: new Date(Date.now() - 1000).toISOString(),
    perUserLimit: o.perUserLimit,
  });
  if (created.status !== 201)
    throw new Error(`could not create the sale: ${JSON.stringify(created.body)}`);
  const saleId = created.body.id;
  const path = `/sales/${saleId}/purchase`;

  const latencies = new Float64Array(maxAttempts);
  const outcomes = new Map<number, number>();
  const unitsByBuyer = new Map<number, number>();
  let sent = 0;
  let done = 0;
  let acceptedUnits = 0;
  let lastAcceptAt = 0;
  let firstSoldOutAt = 0;
  let attemptsAtSellOut = 0;
  const payLatencies: number[] = [];
  const payOutcomes = new Map<number, number>();
  let paidUnits = 0;
  let lastPaidAt = 0;
  const started = performance.now();
  const deadline = started + o.maxDurationMs;

  const progress = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    o.onProgress?.(
      `${s.toFixed(1)}s  ${done} attempts  ${acceptedUnits}/${o.stock} sold  ${(done / s).toFixed(0)}/s`,
    );
  }, 500);

  // Each buyer's request bytes are built once: the driver should spend its CPU sending.
  const requests: Buffer[] = new Array<Buffer>(o.buyers);

  async function connectionLoop(): Promise<void> {
    const connection = new RawHttpConnection(url.hostname, Number(url.port || 80));
    while (sent < maxAttempts && performance.now() < deadline) {
      const i = sent++;
      const buyer = i % o.buyers;
      const request = (requests[buyer] ??= Buffer.from(
        rawRequest(
          'POST',
          path,
          host,
          { Authorization: tokens[buyer], 'Content-Type': 'application/json' },
          '{"quantity":1}',
        ),
      ));
      const t0 = performance.now();
      let res;
      try {
        res = await connection.send(request);
      } catch {
        outcomes.set(0, (outcomes.get(0) ?? 0) + 1);
        continue;
      }
      const status = res.status;
      latencies[done++] = performance.now() - t0;
      outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
      if (status === 202) {
        const body = JSON.parse(res.body.toString('utf8')) as { quantity: number; orderId: string };
        acceptedUnits += body.quantity;
        unitsByBuyer.set(buyer, (unitsByBuyer.get(buyer) ?? 0) + body.quantity);
        lastAcceptAt = performance.now();
        if (o.pay) {
          const p0 = performance.now();
          const paid = await connection
            .send(
              rawRequest('POST', `/orders/${body.orderId}/pay`, host, {
                Authorization: tokens[buyer],
              }),
            )
            .catch(() => ({ status: 0 }));
          payLatencies.push(performance.now() - p0);
          payOutcomes.set(paid.status, (payOutcomes.get(paid.status) ?? 0) + 1);
          if (paid.status === 200) {
            paidUnits += body.quantity;
            lastPaidAt = performance.now();
          }
        }
      } else if (status === 409 && firstSoldOutAt === 0 && acceptedUnits >= o.stock) {
        firstSoldOutAt = performance.now();
        attemptsAtSellOut = done;
      }
    }
    connection.close();
  }

  await Promise.all(Array.from({ length: o.connections }, () => connectionLoop()));
  const elapsedMs = performance.now() - started;
  clearInterval(progress);

  const sellOutMs = acceptedUnits >= o.stock ? lastAcceptAt - started : NaN;
  const drain = await waitForDrain(pool, saleId, admin, 120_000);
  const sellingCount = attemptsAtSellOut || done;
  const sellingSorted = latencies.slice(0, sellingCount).sort();
  const sorted = latencies.slice(0, done).sort();
  const maxPerBuyer = maxOf(unitsByBuyer.values());
  const invariants = checkInvariants(drain.stats, acceptedUnits, maxPerBuyer, o.perUserLimit);
  if (o.pay) {
    invariants.push({
      name: 'every paid 200 counted',
      ok: drain.stats.paid === paidUnits,
      detail: `paid answers ${paidUnits} units, stats.paid ${drain.stats.paid}`,
    });
  }
  const sortedPay = Float64Array.from(payLatencies).sort();
  const payments = o.pay
    ? {
        paidUnits,
        paidPerSecond: Math.round(paidUnits / (Math.max(1, lastPaidAt - started) / 1000)),
        latencyMs: { p50: round(percentile(sortedPay, 50)), p99: round(percentile(sortedPay, 99)) },
        outcomes: Object.fromEntries([...payOutcomes.entries()].sort()),
      }
    : undefined;

  const afterSellOut = firstSoldOutAt > 0 ? done - attemptsAtSellOut : 0;
  await pool.close();
  return {
    at: new Date().toISOString(),
    url: url.origin,
    connections: o.connections,
    stock: o.stock,
    buyers: o.buyers,
    perUserLimit: o.perUserLimit,
    attempts: done,
    elapsedMs: Math.round(elapsedMs),
    attemptsPerSecond: Math.round(done / (elapsedMs / 1000)),
    sellingPhase: {
      attempts: sellingCount,
      ms: Math.round(firstSoldOutAt > 0 ? firstSoldOutAt - started : elapsedMs),
      attemptsPerSecond: Math.round(
        sellingCount /
          (((firstSoldOutAt > 0 ? firstSoldOutAt : started + elapsedMs) - started) / 1000),
      ),
    },
    soldOutPhase: {
      attempts: afterSellOut,
      attemptsPerSecond:
        firstSoldOutAt > 0
          ? Math.round(afterSellOut / ((started + elapsedMs - firstSoldOutAt) / 1000))
          : 0,
    },
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1]),
    },
    sellingLatencyMs: {
      p50: round(percentile(sellingSorted, 50)),
      p99: round(percentile(sellingSorted, 99)),
    },
    outcomes: Object.fromEntries([...outcomes.entries()].sort()),
    acceptedUnits,
    payments,
    sellOutMs: Math.round(sellOutMs),
    drainAfterRunMs: drain.drainMs,
    finalStats: drain.stats,
    invariants,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function formatPurchaseBench(r: PurchaseBenchResult): string {
  const lines = [
    `purchase attempts      ${r.attempts} in ${(r.elapsedMs / 1000).toFixed(2)} s over ${r.connections} connections`,
    `attempts/s             ${r.attemptsPerSecond} overall`,
    `  while selling        ${r.sellingPhase.attemptsPerSecond}/s (${r.sellingPhase.attempts} attempts, ${r.sellingPhase.ms} ms, p99 ${r.sellingLatencyMs.p99} ms)`,
    `  after sell-out       ${r.soldOutPhase.attemptsPerSecond}/s (${r.soldOutPhase.attempts} attempts)`,
    `latency ms             p50 ${r.latencyMs.p50}  p95 ${r.latencyMs.p95}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}`,
    `outcomes (HTTP status) ${Object.entries(r.outcomes)
      .map(([k, v]) => `${k}: ${v}`)
      .join('  ')}`,
    `units sold             ${r.acceptedUnits} of ${r.stock}`,
    `time to sell out       ${Number.isNaN(r.sellOutMs) || r.sellOutMs === null ? 'not sold out' : `${r.sellOutMs} ms`}`,
    ...(r.payments
      ? [
          `paid                   ${r.payments.paidUnits} units, ${r.payments.paidPerSecond} paid orders/s (buy then pay at once)`,
          `pay latency ms         p50 ${r.payments.latencyMs.p50}  p99 ${r.payments.latencyMs.p99}  (statuses ${Object.entries(
            r.payments.outcomes,
          )
            .map(([k, v]) => `${k}: ${v}`)
            .join('  ')})`,
        ]
      : []),
    `pipeline drained       ${r.drainAfterRunMs} ms after the last attempt`,
    'invariants:',
    ...r.invariants.map((i) => `  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`),
  ];
  return lines.join('\n');
}
