import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { SaleStats } from '@flash/orders';
import {
  assertLoopback,
  maxOf,
  mintToken,
  warmUp,
  latencyPercentiles,
  requestJson,
  waitForDrain,
} from '../bench/bench-support';
import { RawHttpConnection, rawRequest } from '../bench/raw-http';
import { arrivalTimes, planArrivals } from './arrivals';
import { ConnectionPool } from './connection-pool';
import { Invariant, postgresInvariants } from './postgres-check';
import { seededRandom } from './prng';
import type { ResolvedScenario } from './scenario';
import { SaleEvent, latencyByWindow, sellOutTime, unitsOverTime } from './summary';

export type Mode = 'historic' | 'max';

export interface RunOptions {
  url: string;
  scenario: ResolvedScenario;
  mode: Mode;
  /** Share of the scenario's units and buyers to run (1 = the full sale). */
  scale: number;
  /** Historic mode: run seconds per scenario second (0.1 runs ten times faster). */
  timeScale: number;
  connections: number;
  /** Hard cap on the run, seconds after the opening. */
  limitSeconds: number;
  /** Requests on a throwaway sale before the run, so the JIT is warm at the opening. */
  warmupRequests?: number;
  jwtSecret: string;
  /** Where to read the orders back for the Postgres-side invariants. */
  database: { url: string; schema: string };
  onProgress?: (p: {
    t: number;
    attempts: number;
    sold: number;
    units: number;
    queued: number;
  }) => void;
}

export type { Invariant };

export interface RunResult {
  at: string;
  scenario: string;
  title: string;
  mode: Mode;
  scale: number;
  timeScale: number;
  connections: number;
  /** The real sale's sell-out time, uncompressed. */
  historicSellOutSeconds: number;
  timeCompression: number;
  saleId: string;
  units: number;
  buyers: number;
  targetSellOutSeconds: number | null;
  runSeconds: number;
  /** Every request the buyers sent: purchases, replays, payments and bad requests. */
  attempts: number;
  attemptsPerSecond: number;
  outcomes: Record<string, number>;
  /** Purchase requests only (bad requests and replays included): the hot path. */
  latencyMs: { p50: number; p95: number; p99: number };
  /** Purchase requests up to the sell-out: the contended phase the targets are about. */
  sellingLatencyMs?: { p50: number; p95: number; p99: number };
  /** Payment requests, which wait on the payment provider. */
  payLatencyMs: { p50: number; p99: number };
  unitsSold: number;
  unitsPaid: number;
  sellOutSeconds: number | null;
  persistedAfterSellOutSeconds: number | null;
  unitsOverTime: { t: number; units: number }[];
  latencyOverTime: ReturnType<typeof latencyByWindow>;
  finalStats: SaleStats;
  invariants: Invariant[];
}

const BAD_BODIES = [
  '{"quantity":0}',
  '{"quantity":"1"}',
  '{"quantity":',
  '{"quantity":1,"admin":true}',
];

/**
 * Runs one scenario against a running stack. `historic`: buyers arrive on the scenario's
 * schedule (open model; each waits for a free keep-alive connection). `max`: every
 * connection serves the next buyer as soon as it is free. Each buyer follows the
 * scenario's behaviour (seeded per buyer): some send a malformed request first, some
 * replay their request with the same Idempotency-Key, some retry after a refusal, and
 * most winners pay at once.
 */
export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const url = assertLoopback(opts.url);
  const s = opts.scenario;
  const units = Math.max(1, Math.round(s.units * opts.scale));
  const buyers = Math.max(units, Math.round(s.buyers * opts.scale));
  const target = opts.mode === 'historic' ? s.targetSellOutSeconds * opts.timeScale : null;
  const admin = mintToken('loadtest-admin', opts.jwtSecret, true, 24 * 3600);
  const http = new Pool(url.origin, { connections: 4 });
  const pool = new ConnectionPool(url.hostname, Number(url.port || 80), opts.connections);
  const host = url.host;

  await warmUp(http, admin, opts.jwtSecret, opts.warmupRequests ?? 0, 4);
  // Signing is done before the opening, so the driver spends its CPU sending.
  const tokens = Array.from(
    { length: buyers },
    (_, i) => `Bearer ${mintToken(`buyer-${i}`, opts.jwtSecret, false, 24 * 3600)}`,
  );
  const opensAt = Date.now() + 2000;
  const created = await requestJson<{ id: string }>(http, 'POST', '/admin/sales', admin, {
    name: s.title.slice(0, 200),
    sku: s.name.toUpperCase().slice(0, 64),
    price: s.unitPrice,
    stock: units,
    perUserLimit: s.perUserLimit,
    startsAt: new Date(opensAt).toISOString(),
  });
  if (created.status !== 201)
    throw new Error(`could not create the sale: ${JSON.stringify(created.body)}`);
  const saleId = created.body.id;
  const purchasePath = `/sales/${saleId}/purchase`;

  const outcomes = new Map<string, number>();
  const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  const latencies: { t: number; ms: number }[] = [];
  const payLatencies: number[] = [];
  const sales: SaleEvent[] = [];
  const unitsByBuyer = new Map<number, number>();
  const acceptedOrders = new Set<string>();
  let attempts = 0;
  let sold = 0;
  let paid = 0;
  let replayMismatches = 0;
  let badAccepted = 0;
  const since = () => (Date.now() - opensAt) / 1000;
  const expired = () => since() > opts.limitSeconds;

  async function send(connection: RawHttpConnection, request: string, kind = 'purchase') {
    const t0 = performance.now();
    attempts++;
    try {
      const res = await connection.send(request);
      const ms = performance.now() - t0;
      if (kind === 'pay') payLatencies.push(ms);
      else latencies.push({ t: since(), ms });
      return res;
    } catch {
      count('network_error');
      return null;
    }
  }

  /** One exchange on a pooled connection; waits between exchanges hold no connection. */
  async function exchange<T>(work: (c: RawHttpConnection) => Promise<T>): Promise<T> {
    const connection = await pool.acquire();
    try {
      return await work(connection);
    } finally {
      pool.release(connection);
    }
  }

  async function buyer(i: number): Promise<void> {
    const random = seededRandom(i + 1);
    const b = s.behaviour;
    const authorization = tokens[i];
    const json = { Authorization: authorization, 'Content-Type': 'application/json' };
    if (random() < b.badRequestShare) {
      const body = BAD_BODIES[i % BAD_BODIES.length];
      const res = await exchange((c) =>
        send(c, rawRequest('POST', purchasePath, host, json, body)),
      );
      if (res && res.status >= 400 && res.status < 500) count('bad_request_refused');
      else if (res) badAccepted++;
    }
    const replays = random() < b.replayShare;
    const retries = random() < b.retryShare ? b.maxRetries : 0;
    const pays = random() < b.payShare;
    for (let attempt = 0, retried = 0; !expired(); attempt++) {
      const request = rawRequest(
        'POST',
        purchasePath,
        host,
        { ...json, 'Idempotency-Key': `b${i}-${attempt}` },
        '{"quantity":1}',
      );
      const answer = await exchange(async (c) => {
        const first = await send(c, request);
        if (!first || !replays) return first;
        // The same request again, as a client that timed out would send it.
        const again = await send(c, request);
        if (
          first.status === 202 &&
          again?.status === 202 &&
          again.body.toString() !== first.body.toString()
        ) {
          replayMismatches++;
        }
        return again?.status === 202 ? again : first;
      });
      if (!answer) return;
      if (answer.status === 202) {
        const order = JSON.parse(answer.body.toString()) as { orderId: string; quantity: number };
        count('accepted');
        acceptedOrders.add(order.orderId);
        sold += order.quantity;
        sales.push({ t: since(), units: order.quantity });
        if (sold >= units) soldOut();
        unitsByBuyer.set(i, (unitsByBuyer.get(i) ?? 0) + order.quantity);
        if (pays) {
          // Buyers pay a while after winning, off the connection and outside the in-flight
          // cap. Historic mode compresses the delay with the sale (M1's 34 hours); max mode
          // has no historic clock, so buyers take their real time. Both scale with the run.
          const [min, max] =
            opts.mode === 'historic'
              ? s.runPayDelaySeconds
              : [b.payDelayMinSeconds, b.payDelayMaxSeconds];
          const delayMs = (min + (max - min) * random()) * opts.timeScale * 1000;
          payments.push(pay(order.orderId, authorization, delayMs));
        }
        return;
      }
      const code =
        (JSON.parse(answer.body.toString() || '{}') as { error?: { code?: string } }).error?.code ??
        String(answer.status);
      count(code);
      if (code === 'NOT_STARTED') {
        await sleep(Math.min(250, Math.max(20, opensAt - Date.now())));
        continue;
      }
      if (retried >= retries) return;
      retried++;
      await sleep(b.retryDelaySeconds * 1000 * (0.5 + random()));
    }
  }

  async function pay(orderId: string, authorization: string, delayMs: number): Promise<void> {
    // Never past the run's limit: a payer still waiting then simply does not pay.
    await sleep(Math.max(0, Math.min(delayMs, opensAt + opts.limitSeconds * 1000 - Date.now())));
    if (expired()) {
      count('pay_not_sent');
      return;
    }
    const payment = await exchange((c) =>
      send(
        c,
        rawRequest('POST', `/orders/${orderId}/pay`, host, { Authorization: authorization }),
        'pay',
      ),
    );
    if (payment?.status === 200) {
      const { quantity } = JSON.parse(payment.body.toString()) as { quantity: number };
      paid += quantity;
      count('paid');
    } else count(`pay_${payment?.status ?? 'error'}`);
  }

  // From the sell-out on, watch for the moment Postgres holds every live unit.
  let persisted: Promise<number | null> = Promise.resolve(null);
  let watching = false;
  function soldOut(): void {
    if (watching) return;
    watching = true;
    persisted = (async () => {
      const started = Date.now();
      while (Date.now() - started < 120_000) {
        const { body: st } = await requestJson<SaleStats>(
          http,
          'GET',
          `/admin/sales/${saleId}/stats`,
          admin,
        );
        if (st.pipelineLag === 0 && st.unitsPersisted === st.held + st.paid) return since();
        await sleep(100);
      }
      return null;
    })();
  }

  const progress = setInterval(() => {
    opts.onProgress?.({ t: since(), attempts, sold, units, queued: pool.queued });
  }, 500);
  const running: Promise<void>[] = [];
  const payments: Promise<void>[] = [];
  if (opts.mode === 'historic') {
    const plan = planArrivals(
      units,
      target ?? 1,
      s.arrival.floorShare,
      s.runDecaySeconds * opts.timeScale,
    );
    for (const t of arrivalTimes(plan, buyers, opts.limitSeconds)) {
      const wait = opensAt + t * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      if (sold >= units && pool.queued > opts.connections) break; // sold out and backlogged: stop offering
      running.push(buyer(running.length));
    }
  } else {
    // As fast as the machine allows: keep many buyers per connection in flight, so buyers
    // sleeping before a retry (they hold no connection) never idle the connections.
    await sleep(Math.max(0, opensAt - Date.now() - 200));
    const cap = Math.max(opts.connections * 200, 5000);
    let inFlight = 0;
    let wake: (() => void) | undefined;
    for (let next = 0; next < buyers && !expired(); next++) {
      while (inFlight >= cap) await new Promise<void>((r) => (wake = r));
      inFlight++;
      running.push(
        buyer(next).finally(() => {
          inFlight--;
          wake?.();
        }),
      );
    }
  }
  await Promise.all(running);
  await Promise.all(payments);
  clearInterval(progress);
  const runSeconds = since();
  pool.close();

  const sellOut = sellOutTime(sales, units);
  const drain = await waitForDrain(http, saleId, admin, 120_000);
  const persistedAt = await persisted;
  const persistedAfterSellOut =
    sellOut === null || persistedAt === null ? null : persistedAt - sellOut;

  const st = drain.stats;
  const sellingEnd = sellOut ?? Infinity;
  const payPercentiles = latencyPercentiles(payLatencies);
  const maxPerBuyer = maxOf(unitsByBuyer.values());
  const invariants: Invariant[] = [
    {
      name: 'no oversell',
      ok: st.remaining >= 0 && st.held + st.paid <= st.stock,
      detail: `held ${st.held} + paid ${st.paid} of ${st.stock}`,
    },
    {
      name: 'conservation',
      ok: st.remaining + st.held + st.paid === st.stock,
      detail: `${st.remaining} + ${st.held} + ${st.paid} = ${st.remaining + st.held + st.paid}`,
    },
    {
      name: 'Redis and Postgres agree',
      ok: drain.drained,
      detail: `Postgres ${st.unitsPersisted} units, Redis ${st.held + st.paid}, lag ${st.pipelineLag}`,
    },
    {
      name: 'every paid 200 counted',
      ok: st.paid === paid,
      detail: `paid answers ${paid}, stats.paid ${st.paid}`,
    },
    {
      name: 'every accepted unit accounted for',
      ok: sold >= st.held + st.paid,
      detail: `202 units ${sold}, live ${st.held + st.paid}`,
    },
    {
      name: 'replays return the same order',
      ok: replayMismatches === 0,
      detail: `${replayMismatches} mismatches`,
    },
    { name: 'bad requests refused', ok: badAccepted === 0, detail: `${badAccepted} accepted` },
    {
      name: 'per-user limit',
      ok: maxPerBuyer <= s.perUserLimit,
      detail: `max ${maxPerBuyer}, limit ${s.perUserLimit}`,
    },
    ...(await postgresInvariants(
      opts.database,
      saleId,
      async () =>
        (await requestJson<SaleStats>(http, 'GET', `/admin/sales/${saleId}/stats`, admin)).body,
      acceptedOrders,
      s.perUserLimit,
    )),
  ];
  await http.close();
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
    saleId,
    units,
    buyers,
    targetSellOutSeconds: target,
    runSeconds,
    attempts,
    attemptsPerSecond: Math.round(attempts / Math.max(runSeconds, 0.001)),
    outcomes: Object.fromEntries([...outcomes.entries()].sort()),
    latencyMs: latencyPercentiles(latencies.map((l) => l.ms)),
    sellingLatencyMs: latencyPercentiles(
      latencies.filter((l) => l.t <= sellingEnd).map((l) => l.ms),
    ),
    payLatencyMs: { p50: payPercentiles.p50, p99: payPercentiles.p99 },
    unitsSold: sold,
    unitsPaid: paid,
    sellOutSeconds: sellOut,
    persistedAfterSellOutSeconds: persistedAfterSellOut,
    // Fine enough to see the sell-out itself, however long the tail of the run.
    unitsOverTime: unitsOverTime(sales, Math.max(0.05, maxOf(sales.map((e) => e.t)) / 100)),
    latencyOverTime: latencyByWindow(latencies, Math.max(0.1, runSeconds / 50)),
    finalStats: st,
    invariants,
  };
}
