// k6 run loadtest/k6/flash-sale.js -e SCENARIO=youth-2012 -e MODE=historic [-e SCALE=0.1]
//   [-e TIME_SCALE=1] [-e BASE_URL=http://127.0.0.1:3000] [-e JWT_SECRET=...] [-e VUS=200]
//   [-e PAY_DELAY_SCALE=0]
//
// Replays one historic sale from ../scenarios.json (the file the Node driver reads too)
// against the API. One iteration is one buyer: tokens are minted here with k6/crypto, the
// sale is created in setup(), and teardown() waits for the order pipeline to drain and
// fails the run if an invariant of DESIGN.md is broken.
//
// Payment delay: the scenario says buyers pay a while after winning. A k6 VU that sleeps
// is a VU that cannot start a new buyer, so by default k6 buyers pay at once; set
// PAY_DELAY_SCALE=1 for the scenario's delays (and raise VUS to cover the waiting payers).
// The Node driver (npm run loadtest) always models the delays.
//
// Scenarios with `mechanics` (youth-2012-queue) add Xiaomi's phases: setup() registers the
// buyers who made an appointment, spends the F-codes in the priority window and fills the
// pre-queue; then each buyer joins the waiting room (unless already in it), polls until
// admitted and buys with the admission token. A waiting buyer holds a VU, so run these at a
// small SCALE (0.01 to 0.05) or raise VUS. REGISTRATION_S overrides the time set aside for
// registering; ADMISSION_RATE the scaled admission rate.
import http from 'k6/http';
import { sleep } from 'k6';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';

const FILE = JSON.parse(open('../scenarios.json'));
const NAME = __ENV.SCENARIO || 'youth-2012';
const MODE = __ENV.MODE || 'historic';
const SCALE = Number(__ENV.SCALE || 1);
const TIME_SCALE = Number(__ENV.TIME_SCALE || 1);
const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
const SECRET = __ENV.JWT_SECRET || 'dev-only-secret-change-me-0123456789';
const VUS = Number(__ENV.VUS || 200);
const PAY_DELAY_SCALE = Number(__ENV.PAY_DELAY_SCALE || 0);
const OPENING_DELAY_S = 3;
const ADMISSION_RATE = Number(__ENV.ADMISSION_RATE || 0);
const REGISTRATION_S = Number(__ENV.REGISTRATION_S || 0);

function resolve(file, name) {
  const def = file.scenarios[name];
  if (!def)
    throw new Error(`no scenario "${name}"; known: ${Object.keys(file.scenarios).join(', ')}`);
  const s = Object.assign({}, file.defaults, def);
  s.arrival = Object.assign({}, file.defaults.arrival, def.arrival || {});
  s.behaviour = Object.assign({}, file.defaults.behaviour, def.behaviour || {});
  s.units = Math.max(1, Math.round(def.units * SCALE));
  s.buyers = Math.max(s.units, Math.round(def.units * s.oversubscription * SCALE));
  s.target = (def.historicSellOutSeconds / s.timeCompression) * TIME_SCALE;
  s.decay = (s.arrival.decaySeconds / s.timeCompression) * TIME_SCALE;
  s.mechanics = def.mechanics || null;
  return s;
}

const S = resolve(FILE, NAME);

// The sale's mechanisms, scaled as the Node driver scales them (loadtest/driver/mechanics.ts).
function planMechanics(m) {
  if (!m) return null;
  const timeFactor = MODE === 'historic' ? TIME_SCALE / S.timeCompression : 1;
  const fcodes = m.fcodes ? Math.max(1, Math.round(m.fcodes.codes * SCALE)) : 0;
  const wr = m.waitingRoom;
  return {
    fcodes,
    stride: fcodes > 0 ? Math.max(1, Math.floor(S.buyers / fcodes)) : 0,
    priorityLead: m.fcodes ? Math.max(1, m.fcodes.priorityLeadSeconds * timeFactor) : 0,
    admissionRate: wr
      ? ADMISSION_RATE || Math.max(1, Math.round((wr.admissionRate * SCALE) / timeFactor))
      : 0,
    admissionTtl: wr ? Math.max(5, Math.round(wr.admissionTtlSeconds * timeFactor)) : 0,
  };
}
const M = S.mechanics || null;
const P = planMechanics(M);

function roleOf(i) {
  const random = seeded(1000003 + i);
  const fcode = P.stride > 0 && i % P.stride === 0 && i / P.stride < P.fcodes;
  return {
    fcode,
    fcodeIndex: fcode ? i / P.stride : -1,
    registered: M.appointments ? random() < M.appointments.registeredShare : true,
    preQueue: M.waitingRoom ? random() < M.waitingRoom.preQueueShare : false,
  };
}

// The historic arrival model (loadtest/driver/arrivals.ts): λ(t) = peak·(f + (1 − f)·e^(−t/τ)),
// with the peak chosen so that the buyers who clear the stock have arrived at the target.
const f = S.arrival.floorShare;
const peak = S.units / (f * S.target + (1 - f) * S.decay * (1 - Math.exp(-S.target / S.decay)));
const rate = (t) => peak * (f + (1 - f) * Math.exp(-t / S.decay));
const arrived = (t) => peak * (f * t + (1 - f) * S.decay * (1 - Math.exp(-t / S.decay)));

function historicStages() {
  // Until the whole population has arrived (or twice the target), piecewise-linear in λ.
  let end = 2 * S.target;
  while (arrived(end) < S.buyers && end < 20 * S.target) end *= 1.25;
  const stages = [];
  let t = 0;
  const points = 40;
  for (let k = 1; k <= points; k++) {
    const next = end * Math.pow(k / points, 2); // finer steps near the opening spike
    stages.push({
      target: Math.max(1, Math.round(rate(next))),
      duration: `${Math.max(1, Math.round((next - t) * 1000))}ms`,
    });
    t = next;
  }
  return stages;
}

export const options = {
  scenarios: {
    buyers:
      MODE === 'max'
        ? {
            executor: 'shared-iterations',
            vus: VUS,
            iterations: S.buyers,
            maxDuration: '30m',
            startTime: `${OPENING_DELAY_S}s`,
          }
        : {
            executor: 'ramping-arrival-rate',
            startRate: Math.max(1, Math.round(rate(0))),
            timeUnit: '1s',
            preAllocatedVUs: VUS,
            maxVUs: VUS * 10,
            stages: historicStages(),
            startTime: `${OPENING_DELAY_S}s`,
          },
  },
  thresholds: {
    purchase_latency: ['p(99)<25'],
    purchase_server_errors: ['count==0'],
    bad_requests_accepted: ['count==0'],
    replay_mismatches: ['count==0'],
    invariant_violations: ['count==0'],
  },
  setupTimeout: '60s',
  teardownTimeout: '180s',
};

// An open model must never fall behind its schedule: that would mean the driver was the limit.
if (MODE === 'historic') options.thresholds.dropped_iterations = ['count==0'];

const accepted = new Counter('purchase_accepted');
const soldOut = new Counter('purchase_sold_out');
const limitReached = new Counter('purchase_limit_reached');
const notStarted = new Counter('purchase_not_started');
const serverErrors = new Counter('purchase_server_errors');
const paid = new Counter('orders_paid');
const badAccepted = new Counter('bad_requests_accepted');
const replayMismatches = new Counter('replay_mismatches');
const violations = new Counter('invariant_violations');
const latency = new Trend('purchase_latency', true);
const registrations = new Counter('registrations');
const notRegistered = new Counter('not_registered');
const queueJoins = new Counter('queue_joins');
const admissions = new Counter('admissions');
const queueSoldOut = new Counter('queue_sold_out');
const fcodesRedeemed = new Counter('fcodes_redeemed');
const joinToAdmit = new Trend('join_to_admission', true);
const joinToPay = new Trend('join_to_payment', true);

function token(sub, admin) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub, iat: now, exp: now + 6 * 3600 };
  if (admin) claims.role = 'admin';
  const head = encoding.b64encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), 'rawurl');
  const body = encoding.b64encode(JSON.stringify(claims), 'rawurl');
  return `${head}.${body}.${crypto.hmac('sha256', SECRET, `${head}.${body}`, 'base64rawurl')}`;
}

// mulberry32: the same buyer behaves the same way in every run (as in the Node driver).
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sends requests in parallel batches (setup runs in one VU). */
function inBatches(requests, size) {
  const answers = [];
  for (let k = 0; k < requests.length; k += size) {
    answers.push(...http.batch(requests.slice(k, k + size)));
  }
  return answers;
}

export function setup() {
  const admin = token('k6-admin', true);
  const adminHeaders = { 'content-type': 'application/json', authorization: `Bearer ${admin}` };
  const registrants = [];
  if (M && M.appointments) {
    for (let i = 0; i < S.buyers; i++) {
      const role = roleOf(i);
      if (role.registered && !role.fcode) registrants.push(i);
    }
  }
  const registrationSeconds =
    registrants.length === 0 ? 0 : REGISTRATION_S || Math.max(2, registrants.length / 2500);
  const preQueueSeconds = M && M.waitingRoom ? 3 : 0;
  const createdAt = Date.now();
  const opensAt = createdAt + (OPENING_DELAY_S + registrationSeconds + preQueueSeconds) * 1000;
  const sale = {
    name: S.title.slice(0, 200),
    sku: NAME.toUpperCase(),
    price: S.unitPrice,
    stock: S.units,
    perUserLimit: S.perUserLimit,
    startsAt: new Date(opensAt).toISOString(),
  };
  if (M && M.appointments)
    sale.appointments = { opensAt: new Date(createdAt - 1000).toISOString() };
  if (M && M.fcodes)
    sale.fcodes = { priorityStartsAt: new Date(opensAt - P.priorityLead * 1000).toISOString() };
  if (M && M.waitingRoom)
    sale.waitingRoom = { admissionRate: P.admissionRate, admissionTtlSeconds: P.admissionTtl };
  const res = http.post(`${BASE_URL}/admin/sales`, JSON.stringify(sale), {
    headers: adminHeaders,
  });
  if (res.status !== 201) throw new Error(`could not create the sale: ${res.status} ${res.body}`);
  const saleId = res.json('id');
  console.log(
    `${S.title}: ${S.units} units, ${S.buyers} buyers, mode ${MODE}, target sell-out ${S.target.toFixed(1)} s`,
  );
  if (!M) return { saleId, admin };

  // Days before: the appointments.
  const registered = inBatches(
    registrants.map((i) => [
      'POST',
      `${BASE_URL}/sales/${saleId}/registration`,
      null,
      { headers: { authorization: `Bearer ${token(`k6-buyer-${i}`, false)}` } },
    ]),
    200,
  ).filter((r) => r.status === 201 || r.status === 200).length;
  registrations.add(registered);

  // The F-code holders buy in the priority window, before everyone.
  let fcodes = [];
  if (P.fcodes > 0) {
    const issued = http.post(
      `${BASE_URL}/admin/sales/${saleId}/fcodes`,
      JSON.stringify({ count: P.fcodes }),
      { headers: adminHeaders },
    );
    if (issued.status !== 201) throw new Error(`could not issue F-codes: ${issued.body}`);
    fcodes = issued.json('codes');
    const wait = (opensAt - P.priorityLead * 1000 - Date.now()) / 1000;
    if (wait > 0) sleep(wait);
    const redeemed = inBatches(
      fcodes.map((code, k) => [
        'POST',
        `${BASE_URL}/sales/${saleId}/purchase`,
        JSON.stringify({ fcode: code }),
        {
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token(`k6-buyer-${k * P.stride}`, false)}`,
          },
        },
      ]),
      100,
    ).filter((r) => r.status === 202).length;
    fcodesRedeemed.add(redeemed);
  }

  // The pre-queue fills in the last seconds before the opening.
  if (M.waitingRoom) {
    const wait = (opensAt - preQueueSeconds * 1000 - Date.now()) / 1000;
    if (wait > 0) sleep(wait);
    const early = [];
    for (let i = 0; i < S.buyers; i++) {
      const role = roleOf(i);
      if (role.preQueue && !role.fcode) early.push(i);
    }
    const joined = inBatches(
      early.map((i) => [
        'POST',
        `${BASE_URL}/sales/${saleId}/queue`,
        null,
        { headers: { authorization: `Bearer ${token(`k6-buyer-${i}`, false)}` } },
      ]),
      200,
    );
    queueJoins.add(joined.filter((r) => r.status === 201 || r.status === 200).length);
    notRegistered.add(joined.filter((r) => r.status === 403).length);
  }
  // The buyers' scenario starts OPENING_DELAY_S after setup returns: at the opening.
  const rest = (opensAt - OPENING_DELAY_S * 1000 - Date.now()) / 1000;
  if (rest > 0) sleep(rest);
  return { saleId, admin, opensAt };
}

/** Waiting room: join (unless in the pre-queue already), poll until admitted; the token. */
function admission(data, i, role, auth) {
  const url = `${BASE_URL}/sales/${data.saleId}/queue`;
  let joinedAt = role.preQueue ? data.opensAt : Date.now();
  if (!role.preQueue) {
    const joined = http.post(url, null, {
      headers: { authorization: auth },
      tags: { kind: 'queue' },
    });
    if (joined.status === 403) notRegistered.add(1);
    if (joined.status !== 201 && joined.status !== 200) return null;
    queueJoins.add(1);
    joinedAt = Date.now();
  }
  for (;;) {
    const res = http.get(url, { headers: { authorization: auth }, tags: { kind: 'queue' } });
    if (res.status !== 200) return null;
    const ticket = res.json();
    if (ticket.status === 'admitted') {
      admissions.add(1);
      joinToAdmit.add(Date.now() - joinedAt);
      return { token: ticket.admissionToken, joinedAt };
    }
    if (['sold_out', 'expired', 'used', 'ended'].includes(ticket.status)) {
      if (ticket.status === 'sold_out') queueSoldOut.add(1);
      return null;
    }
    const eta = ticket.estimatedWaitSeconds;
    sleep(eta === null ? 1 : Math.min(30, Math.max(0.2, eta / 2)));
  }
}

export default function (data) {
  const i = exec.scenario.iterationInTest;
  const random = seeded(i + 1);
  const b = S.behaviour;
  const auth = `Bearer ${token(`k6-buyer-${i}`, false)}`;
  const url = `${BASE_URL}/sales/${data.saleId}/purchase`;
  const json = { 'content-type': 'application/json', authorization: auth };
  let admitted = null;
  if (M) {
    const role = roleOf(i);
    // F-code holders bought in setup(), in the priority window.
    if (role.fcode) return;
    if (M.waitingRoom) {
      admitted = admission(data, i, role, auth);
      if (!admitted) return;
      json['admission-token'] = admitted.token;
    }
  }

  if (random() < b.badRequestShare) {
    const bad = http.post(url, '{"quantity":0}', { headers: json, tags: { kind: 'bad' } });
    if (bad.status < 400 || bad.status >= 500) badAccepted.add(1);
  }
  const replays = random() < b.replayShare;
  const retries = random() < b.retryShare ? b.maxRetries : 0;
  const pays = random() < b.payShare;

  for (let attempt = 0, retried = 0; attempt < 200; attempt++) {
    const params = {
      headers: Object.assign({ 'idempotency-key': `k6-${i}-${attempt}` }, json),
      tags: { kind: 'purchase' },
    };
    let res = http.post(url, '{"quantity":1}', params);
    latency.add(res.timings.duration);
    if (replays) {
      const again = http.post(url, '{"quantity":1}', params);
      if (
        res.status === 202 &&
        again.status === 202 &&
        again.json('orderId') !== res.json('orderId')
      )
        replayMismatches.add(1);
      if (again.status === 202) res = again;
    }
    if (res.status === 202) {
      accepted.add(1);
      if (pays) {
        // Compressed with the sale in historic mode; max mode has no historic clock.
        const delay =
          ((b.payDelayMinSeconds + (b.payDelayMaxSeconds - b.payDelayMinSeconds) * random()) /
            (MODE === 'historic' ? S.timeCompression : 1)) *
          TIME_SCALE *
          PAY_DELAY_SCALE;
        if (delay > 0) sleep(delay);
        const pay = http.post(`${BASE_URL}/orders/${res.json('orderId')}/pay`, null, {
          headers: { authorization: auth },
          tags: { kind: 'pay' },
        });
        if (pay.status === 200) {
          paid.add(1);
          if (admitted) joinToPay.add(Date.now() - admitted.joinedAt);
        }
      }
      return;
    }
    if (res.status >= 500 || res.status === 0) serverErrors.add(1);
    const code =
      res.status === 409 || res.status === 403 ? res.json('error.code') : String(res.status);
    if (code === 'NOT_REGISTERED') notRegistered.add(1);
    if (code === 'NOT_STARTED') {
      notStarted.add(1);
      sleep(0.2);
      continue;
    }
    if (code === 'SOLD_OUT') soldOut.add(1);
    if (code === 'LIMIT_REACHED') limitReached.add(1);
    if (retried >= retries) return;
    retried++;
    sleep(b.retryDelaySeconds * (0.5 + random()));
  }
}

export function teardown(data) {
  const headers = { authorization: `Bearer ${data.admin}` };
  let stats;
  for (let waited = 0; waited < 120; waited += 0.5) {
    stats = http.get(`${BASE_URL}/admin/sales/${data.saleId}/stats`, { headers }).json();
    if (stats.pipelineLag === 0 && stats.unitsPersisted === stats.held + stats.paid) break;
    sleep(0.5);
  }
  const broken = [];
  if (stats.remaining < 0 || stats.held + stats.paid > stats.stock) broken.push('oversell');
  if (stats.remaining + stats.held + stats.paid !== stats.stock) broken.push('conservation');
  if (stats.pipelineLag !== 0 || stats.unitsPersisted !== stats.held + stats.paid)
    broken.push('Redis and Postgres disagree');
  if (stats.fcodes && stats.fcodes.redeemed > stats.fcodes.issued) broken.push('F-code overspent');
  console.log(`final stats ${JSON.stringify(stats)}`);
  if (broken.length > 0) {
    violations.add(broken.length);
    throw new Error(`invariants broken: ${broken.join(', ')}`);
  }
}

export function handleSummary(data) {
  const m = data.metrics;
  const value = (name, key) =>
    m[name] && m[name].values[key] !== undefined ? m[name].values[key] : 0;
  const lines = [
    `${S.title} (${MODE}, scale ${SCALE})`,
    `purchases accepted ${value('purchase_accepted', 'count')}, sold out ${value('purchase_sold_out', 'count')}, paid ${value('orders_paid', 'count')}`,
    `purchase latency p50 ${value('purchase_latency', 'med').toFixed(2)} ms, p99 ${value('purchase_latency', 'p(99)').toFixed(2)} ms`,
    `http requests ${value('http_reqs', 'count')} (${value('http_reqs', 'rate').toFixed(0)}/s), dropped iterations ${value('dropped_iterations', 'count')}`,
  ];
  if (M) {
    lines.push(
      `registrations ${value('registrations', 'count')}, refused for no appointment ${value('not_registered', 'count')}, F-codes redeemed ${value('fcodes_redeemed', 'count')}`,
      `queue joins ${value('queue_joins', 'count')} (${value('queue_joins', 'rate').toFixed(1)}/s over the test), admissions ${value('admissions', 'count')} (${value('admissions', 'rate').toFixed(1)}/s), told sold out ${value('queue_sold_out', 'count')}`,
      `join to admission p50 ${(value('join_to_admission', 'med') / 1000).toFixed(2)} s, p99 ${(value('join_to_admission', 'p(99)') / 1000).toFixed(2)} s; join to payment p50 ${(value('join_to_payment', 'med') / 1000).toFixed(2)} s, p99 ${(value('join_to_payment', 'p(99)') / 1000).toFixed(2)} s`,
    );
  }
  return {
    stdout: `${lines.join('\n')}\n`,
    [`results/k6-${NAME}-${MODE}.json`]: JSON.stringify(data, null, 2),
  };
}
