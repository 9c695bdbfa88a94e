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
import {
  MechanicsFigures,
  MechanicsPlan,
  planMechanics,
  pollDelaySeconds,
  ratePerSecond,
  secondsPercentiles,
} from './mechanics';
import { ConnectionPool } from './connection-pool';
import { Invariant, postgresInvariants } from './postgres-check';
import { seededRandom } from './prng';
import { readEvents } from './server-sent-events';
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
  /** Scenarios with a waiting room: admissions per run second, instead of the scaled historic rate. */
  admissionRate?: number;
  /** Scenarios with appointments: run seconds set aside for registering before the opening. */
  registrationSeconds?: number;
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
  /** Appointments, F-codes and the waiting room, for scenarios that switch them on. */
  mechanics?: MechanicsFigures;
}

/** At most this many buyers follow their ticket over SSE at once (the rest poll). */
const MAX_FOLLOWERS = 200;

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
  // Server-sent event streams hold a connection each, apart from the buyers' pool.
  const sse = new Pool(url.origin, { connections: MAX_FOLLOWERS });
  const pool = new ConnectionPool(url.hostname, Number(url.port || 80), opts.connections);
  const host = url.host;

  await warmUp(http, admin, opts.jwtSecret, opts.warmupRequests ?? 0, 4);
  // Signing is done before the opening, so the driver spends its CPU sending.
  const tokens = Array.from(
    { length: buyers },
    (_, i) => `Bearer ${mintToken(`buyer-${i}`, opts.jwtSecret, false, 24 * 3600)}`,
  );
  // Historic mode compresses time; max mode keeps the sale's own clock for its mechanisms.
  const plan: MechanicsPlan | null = s.mechanics
    ? planMechanics(
        s.mechanics,
        buyers,
        opts.scale,
        opts.mode === 'historic' ? opts.timeScale / s.timeCompression : 1,
      )
    : null;
  if (plan && opts.admissionRate) plan.admissionRate = opts.admissionRate;
  const roles = plan ? Array.from({ length: buyers }, (_, i) => plan.roleOf(i)) : null;
  const registrants = roles
    ? roles.flatMap((r, i) => (s.mechanics?.appointments && r.registered && !r.fcode ? [i] : []))
    : [];
  // Registration happens before the opening (days before, in the real sales): give it time,
  // then a few seconds in which the pre-queue fills.
  const registrationSeconds =
    registrants.length === 0
      ? 0
      : (opts.registrationSeconds ?? Math.max(2, registrants.length / 2500));
  const preQueueSeconds = s.mechanics?.waitingRoom ? 3 : 0;
  const createdAt = Date.now();
  const opensAt = createdAt + 2000 + (registrationSeconds + preQueueSeconds) * 1000;
  const mechanicsFields: Record<string, unknown> = {};
  if (s.mechanics?.appointments) {
    mechanicsFields.appointments = { opensAt: new Date(createdAt - 1000).toISOString() };
  }
  if (plan && s.mechanics?.fcodes) {
    mechanicsFields.fcodes = {
      priorityStartsAt: new Date(opensAt - plan.priorityLeadSeconds * 1000).toISOString(),
    };
  }
  if (plan && s.mechanics?.waitingRoom) {
    mechanicsFields.waitingRoom = {
      admissionRate: plan.admissionRate,
      admissionTtlSeconds: plan.admissionTtlSeconds,
    };
  }
  const created = await requestJson<{ id: string }>(http, 'POST', '/admin/sales', admin, {
    name: s.title.slice(0, 200),
    sku: s.name.toUpperCase().slice(0, 64),
    price: s.unitPrice,
    stock: units,
    perUserLimit: s.perUserLimit,
    startsAt: new Date(opensAt).toISOString(),
    ...mechanicsFields,
  });
  if (created.status !== 201)
    throw new Error(`could not create the sale: ${JSON.stringify(created.body)}`);
  const saleId = created.body.id;
  const purchasePath = `/sales/${saleId}/purchase`;
  const queuePath = `/sales/${saleId}/queue`;
  let fcodes: string[] = [];
  if (plan && plan.fcodes > 0) {
    const issued = await requestJson<{ codes: string[] }>(
      http,
      'POST',
      `/admin/sales/${saleId}/fcodes`,
      admin,
      { count: plan.fcodes },
    );
    if (issued.status !== 201)
      throw new Error(`could not issue F-codes: ${JSON.stringify(issued.body)}`);
    fcodes = issued.body.codes;
  }

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
  // The mechanisms' figures: registrations, joins, admissions, F-codes, join-to-pay times.
  const registrationTimes: number[] = [];
  let registrationAttempts = 0;
  const joinTimes: number[] = [];
  const preQueueJoinTimes: number[] = [];
  const admitTimes: number[] = [];
  const joinToAdmit: number[] = [];
  const joinToPay: number[] = [];
  let soldOutSeen = 0;
  let fcodesRedeemed = 0;
  let followers = 0;
  let followed = 0;
  const registeredBuyers = new Set<number>();
  const admittedBuyers = new Set<number>();
  const fcodeBuyers = new Set<number>();
  const since = () => (Date.now() - opensAt) / 1000;
  const expired = () => since() > opts.limitSeconds;

  async function send(connection: RawHttpConnection, request: string, kind = 'purchase') {
    const t0 = performance.now();
    attempts++;
    try {
      const res = await connection.send(request);
      const ms = performance.now() - t0;
      if (kind === 'pay') payLatencies.push(ms);
      else if (kind === 'purchase') latencies.push({ t: since(), ms });
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

  /** One buyer of the crowd: the purchase (with an admission or an F-code, where given). */
  async function buyer(
    i: number,
    gate: { admission?: string; fcode?: string; joinedAt?: number } = {},
  ): Promise<void> {
    const random = seededRandom(i + 1);
    const b = s.behaviour;
    const authorization = tokens[i];
    const json: Record<string, string> = {
      Authorization: authorization,
      'Content-Type': 'application/json',
    };
    if (gate.admission) json['Admission-Token'] = gate.admission;
    const purchaseBody = gate.fcode ? JSON.stringify({ fcode: gate.fcode }) : '{"quantity":1}';
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
        purchaseBody,
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
        if (gate.fcode) fcodesRedeemed++;
        if (pays) {
          // Buyers pay a while after winning, off the connection and outside the in-flight
          // cap. Historic mode compresses the delay with the sale (M1's 34 hours); max mode
          // has no historic clock, so buyers take their real time. Both scale with the run.
          const [min, max] =
            opts.mode === 'historic'
              ? s.runPayDelaySeconds
              : [b.payDelayMinSeconds, b.payDelayMaxSeconds];
          const delayMs = (min + (max - min) * random()) * opts.timeScale * 1000;
          payments.push(pay(order.orderId, authorization, delayMs, gate.joinedAt));
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

  async function pay(
    orderId: string,
    authorization: string,
    delayMs: number,
    joinedAt?: number,
  ): Promise<void> {
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
      if (joinedAt !== undefined) joinToPay.push(since() - joinedAt);
    } else count(`pay_${payment?.status ?? 'error'}`);
  }

  const errorCode = (body: Buffer, status: number): string =>
    (JSON.parse(body.toString() || '{}') as { error?: { code?: string } }).error?.code ??
    String(status);

  /** Appointments: one registration, as the buyer made it days before the sale. */
  async function register(i: number): Promise<void> {
    registrationAttempts++;
    const res = await exchange((c) =>
      send(
        c,
        rawRequest('POST', `/sales/${saleId}/registration`, host, { Authorization: tokens[i] }),
        'register',
      ),
    );
    if (res?.status === 201 || res?.status === 200) {
      registeredBuyers.add(i);
      registrationTimes.push(since());
    } else if (res) count(`register_${errorCode(res.body, res.status)}`);
  }

  interface Ticket {
    status: string;
    position: number | null;
    estimatedWaitSeconds: number | null;
    admissionToken?: string;
  }

  /** The waiting room: take a ticket. Returns the run second it was taken, or null. */
  async function join(i: number): Promise<number | null> {
    const res = await exchange((c) =>
      send(c, rawRequest('POST', queuePath, host, { Authorization: tokens[i] }), 'queue'),
    );
    if (!res) return null;
    if (res.status === 201 || res.status === 200) {
      joinTimes.push(since());
      return since();
    }
    count(`join_${errorCode(res.body, res.status)}`);
    return null;
  }

  /** Polls the ticket (or follows it over SSE) until admitted; returns the token, or null. */
  async function admission(i: number, joinedAt: number, follows: boolean): Promise<string | null> {
    const take = (ticket: Ticket): string | null | undefined => {
      if (ticket.status === 'admitted' && ticket.admissionToken) {
        admittedBuyers.add(i);
        admitTimes.push(since());
        joinToAdmit.push(since() - joinedAt);
        return ticket.admissionToken;
      }
      if (ticket.status === 'sold_out') soldOutSeen++;
      if (['sold_out', 'expired', 'used', 'ended'].includes(ticket.status)) {
        count(`queue_${ticket.status}`);
        return null;
      }
      return undefined;
    };
    if (follows && followers < MAX_FOLLOWERS) {
      followers++;
      followed++;
      try {
        const token = await follow(i, take);
        if (token !== undefined) return token;
      } finally {
        followers--;
      }
    }
    while (!expired()) {
      const res = await exchange((c) =>
        send(c, rawRequest('GET', queuePath, host, { Authorization: tokens[i] }), 'queue'),
      );
      if (!res || res.status !== 200) {
        if (res) count(`poll_${errorCode(res.body, res.status)}`);
        return null;
      }
      const ticket = JSON.parse(res.body.toString()) as Ticket;
      const done = take(ticket);
      if (done !== undefined) return done;
      await sleep(pollDelaySeconds(ticket.estimatedWaitSeconds) * 1000);
    }
    return null;
  }

  /** Server-sent events until the ticket is final; undefined if the stream broke off. */
  async function follow(
    i: number,
    take: (ticket: Ticket) => string | null | undefined,
  ): Promise<string | null | undefined> {
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(),
      Math.max(0, opensAt + opts.limitSeconds * 1000 - Date.now()),
    );
    try {
      const res = await sse.request({
        method: 'GET',
        path: `${queuePath}/events`,
        headers: { authorization: tokens[i] },
        signal: abort.signal,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      let result: string | null | undefined;
      await readEvents(res.body, (event) => {
        if (event.type === 'ticket') result = take(event.data as Ticket);
        return result !== undefined;
      });
      abort.abort();
      return result;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A buyer in a sale with a waiting room: ticket, admission, then the purchase. */
  async function queuedBuyer(i: number, joined?: { at: number | null }): Promise<void> {
    // Pre-queue buyers joined before the opening (maybe in vain); the rest join on arrival.
    const at = joined ? joined.at : await join(i);
    if (at === null) return;
    const token = await admission(i, at, roles?.[i].follows ?? false);
    if (token) await buyer(i, { admission: token, joinedAt: at });
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
  /** Who arrives at the opening (or later): everyone, less F-code holders and the pre-queue. */
  let crowd = Array.from({ length: buyers }, (_, i) => i);
  const waitingRoom = Boolean(s.mechanics?.waitingRoom);
  if (plan && roles) {
    // Days before: appointments, on every connection at once.
    let nextRegistrant = 0;
    await Promise.all(
      Array.from({ length: opts.connections }, async () => {
        while (nextRegistrant < registrants.length && Date.now() < opensAt) {
          await register(registrants[nextRegistrant++]);
        }
      }),
    );
    // F-code holders buy from the priority start, with neither appointment nor queue.
    const holders = crowd.filter((i) => roles[i].fcode);
    holders.forEach((i, k) => {
      if (k >= fcodes.length) return;
      fcodeBuyers.add(i);
      running.push(
        sleep(Math.max(0, opensAt - plan.priorityLeadSeconds * 1000 - Date.now())).then(() =>
          buyer(i, { fcode: fcodes[k] }),
        ),
      );
    });
    crowd = crowd.filter((i) => !roles[i].fcode);
    if (waitingRoom) {
      // The pre-queue fills in the last seconds before the opening; its order is shuffled
      // at the opening, so arriving early earns nothing.
      const early = crowd.filter((i) => roles[i].preQueue);
      crowd = crowd.filter((i) => !roles[i].preQueue);
      const from = Math.max(Date.now(), opensAt - preQueueSeconds * 1000);
      await sleep(Math.max(0, from - Date.now()));
      const spreadMs = Math.max(0, opensAt - 200 - from);
      const joins = early.map(async (i, k) => {
        await sleep((spreadMs * k) / Math.max(1, early.length));
        const at = await join(i);
        if (at !== null) preQueueJoinTimes.push(at);
        running.push(queuedBuyer(i, { at }));
      });
      await Promise.all(joins);
    }
  }
  const arrive = (i: number): Promise<void> => (waitingRoom ? queuedBuyer(i) : buyer(i));
  if (opts.mode === 'historic') {
    const arrivals = planArrivals(
      units,
      target ?? 1,
      s.arrival.floorShare,
      s.runDecaySeconds * opts.timeScale,
    );
    let next = 0;
    for (const t of arrivalTimes(arrivals, crowd.length, opts.limitSeconds)) {
      const wait = opensAt + t * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      if (sold >= units && pool.queued > opts.connections) break; // sold out and backlogged: stop offering
      running.push(arrive(crowd[next++]));
    }
  } else {
    // As fast as the machine allows: keep many buyers per connection in flight, so buyers
    // sleeping before a retry (they hold no connection) never idle the connections.
    await sleep(Math.max(0, opensAt - Date.now() - 200));
    const cap = Math.max(opts.connections * 200, 5000);
    let inFlight = 0;
    let wake: (() => void) | undefined;
    for (let next = 0; next < crowd.length && !expired(); next++) {
      while (inFlight >= cap) await new Promise<void>((r) => (wake = r));
      inFlight++;
      running.push(
        arrive(crowd[next]).finally(() => {
          inFlight--;
          wake?.();
        }),
      );
    }
  }
  // Buyers started in a phase may push more work (pre-queue joins): wait until none is left.
  for (let settled = 0; settled < running.length; ) {
    const batch = running.slice(settled);
    settled = running.length;
    await Promise.all(batch);
  }
  await Promise.all(payments);
  clearInterval(progress);
  const runSeconds = since();
  pool.close();
  await sse.close();

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
    ...(plan && roles ? mechanicsInvariants() : []),
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

  function mechanicsInvariants(): Invariant[] {
    const buyersWithUnits = [...unitsByBuyer.keys()];
    const unregistered = s.mechanics?.appointments
      ? buyersWithUnits.filter((i) => !registeredBuyers.has(i) && !fcodeBuyers.has(i)).length
      : 0;
    const unadmitted = waitingRoom
      ? buyersWithUnits.filter((i) => !admittedBuyers.has(i) && !fcodeBuyers.has(i)).length
      : 0;
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
        ok: fcodesRedeemed <= fcodes.length && (st.fcodes?.redeemed ?? 0) <= fcodes.length,
        detail: `${fcodesRedeemed} F-code purchases, ${fcodes.length} codes, stats ${JSON.stringify(st.fcodes ?? null)}`,
      },
    ];
  }
  const mechanics: MechanicsFigures | undefined = plan
    ? {
        ...(s.mechanics?.appointments
          ? {
              registrations: {
                attempted: registrationAttempts,
                registered: registeredBuyers.size,
                perSecond: ratePerSecond(registrationTimes),
                seconds:
                  registrationTimes.length > 0
                    ? registrationTimes[registrationTimes.length - 1] - registrationTimes[0]
                    : 0,
              },
            }
          : {}),
        ...(fcodes.length > 0
          ? { fcodes: { issued: fcodes.length, redeemed: fcodesRedeemed } }
          : {}),
        ...(waitingRoom
          ? {
              queue: {
                joins: joinTimes.length,
                joinsPerSecond: ratePerSecond(joinTimes),
                preQueueJoins: preQueueJoinTimes.length,
                preQueueJoinsPerSecond: ratePerSecond(preQueueJoinTimes),
                admitted: admitTimes.length,
                admissionsPerSecond: ratePerSecond(admitTimes),
                joinToAdmitSeconds: secondsPercentiles(joinToAdmit),
                joinToPaySeconds: secondsPercentiles(joinToPay),
                soldOutSeen,
                followers: followed,
              },
            }
          : {}),
      }
    : undefined;
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
    ...(mechanics ? { mechanics } : {}),
  };
}
