// Run from the repository root (the summary is written under loadtest/results/):
//
//   k6 run loadtest/k6/flash-sale.js -e SCENARIO=youth-2012 -e MODE=historic [-e SCALE=0.1]
//
// Settings (-e NAME=value, or the environment in compose):
//   SCENARIO, MODE (historic|max), SCALE (0-1], TIME_SCALE (0-1]   which sale, how big, how fast
//   BASE_URL (http://127.0.0.1:3000), JWT_SECRET, or SECRETS_FILE (.secrets/secrets.json): the
//                          install's generated secrets, which the API and worker created
//   VUS (200)              VUs of the buyer scenario, and of each phase of the sale mechanics
//   LIMIT_S                seconds after the opening at which the run stops offering load
//                          (default as the Node driver: historic 2 x target + 30 s, max 600 s)
//   P99_MS (250)           threshold on purchase latency p99; MAX_DROPPED (0) on dropped iterations
//   PAY_DELAY_SCALE (0)    1 = buyers wait the scenario's payment delays (they hold a VU meanwhile)
//   SUMMARY_DIR (loadtest/results)   where the JSON summary goes, relative to the working directory
//   With the sale mechanics (youth-2012-queue): REGISTRATION_RATE (2500/s) and PREQUEUE_RATE
//   (2500/s) size the phases before the opening; ADMISSION_RATE overrides the scaled rate;
//   WAITER_VUS (50) and BATCH (20) size the waiting room's buyers (below).
//   SHARDS (1)             hot-SKU shards: the sale's stock split over this many inventory shards
//   FIRST_COME (0)         1 = a waiting room without a pre-queue: first come, first served
//   POW_DIFFICULTY (0)     bits of the proof-of-work gate on registration and queue joins (0 =
//                          none); every challenge is solved for real with k6/crypto
//   POW_CHARGE_DIFFICULTY  bits each device is charged the time of, at its hash rate in the
//                          scenario's `bots` block (default POW_DIFFICULTY)
//   POW_LIFETIME_S (120)   how long a challenge lives, historic seconds: how far ahead a farm solves
//   BOTS (1)               0 = leave a scenario's `bots` block out; BOT_VUS (20) drive the bots
//                          of a sale without a waiting room
//
// Replays one historic sale from ../scenarios.json (the file the Node driver reads too)
// against the API. The crowd comes from the load model in ../model/ (ES modules the Node
// driver runs too): the scenario's sizing, the seeded buyers and their roles, the arrival
// schedule, and the invariants read from the stats, so both drivers send the same sale. Buyer tokens are minted here with k6/crypto; setup() creates the sale;
// teardown() waits for the order pipeline to drain and fails the run if an invariant is
// broken (nothing oversold, units conserved, Redis and Postgres agree, F-codes spent once).
//
// A sale without mechanics is one scenario, `buyers`: one iteration is one buyer, arriving on
// the historic schedule (ramping-arrival-rate) or as fast as VUS allow (shared-iterations).
//
// A sale with mechanics runs Xiaomi's phases as their own scenarios, timed from the end of
// setup(): `registration` (appointments, "days before", as fast as VUS allow within a window
// sized by REGISTRATION_RATE), `fcodes` (holders buy in the priority window), then the waiting
// room. There a buyer may wait minutes, and a VU that waits cannot start another buyer, so the
// line is run by `waiters`: WAITER_VUS VUs, each owning every WAITER_VUS-th buyer and driving
// all of them at once (the pre-queue joins spread over its last seconds, sized by
// PREQUEUE_RATE; the crowd joins at its arrival times; each polls at half the estimated wait,
// buys when admitted, pays), BATCH requests at a time with http.batch.
//
// A scenario's `bots` block runs as the Node driver runs it: each buyer's cohort (person or
// bot, operator, latency, reaction) comes from the load model. Bots read the server's clock
// (the quickest of three round trips to GET /sales/:id) and fire `leadSeconds` before the
// opening, or somewhere in the pre-queue's window, and fire again at `refireMs` (jittered)
// while the sale has not opened. Every request waits the buyer's latency out and back. Under
// proof of work each challenge is solved for real at the sale's bits, and each device is then
// charged the time POW_CHARGE_DIFFICULTY takes it: a person's browser before each join, an
// operator's cores for its accounts in turn, from one challenge lifetime before firing. The
// summary counts the units won by bots and by people against a fair draw, and the win chance
// by latency decile.
import http from 'k6/http';
import { sleep } from 'k6';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
// The load model the Node driver runs too: one crowd, one schedule, one set of invariants.
import { arrivalTime, cumulative, intensity, planArrivals } from '../model/arrivals.js';
import {
  buyerBehaviour,
  payDelaySeconds,
  planMechanics,
  pollDelaySeconds,
  ticketIsFinal,
} from '../model/buyer-roles.js';
import {
  botSolveSchedule,
  cohortRole,
  fairBand,
  personNotStartedWaitMs,
  personSolveSeconds,
} from '../model/bot-cohort.js';
import {
  crowdCounts,
  fairnessLines,
  latencyDecile,
  latencyDecileCuts,
} from '../model/fairness-summary.js';
import { seededRandom } from '../model/prng.js';
import { solveWithHex } from '../model/proof-of-work.js';
import { pipelineDrained, statsInvariants } from '../model/sale-invariants.js';
import { resolveScenario, runLimitSeconds, scaleSale } from '../model/scenario-model.js';
import { errorCodeOf } from '../model/error-code.js';
import { clockOffsetMs } from '../model/server-clock.js';

const FILE = JSON.parse(open('../scenarios.json'));
const NAME = __ENV.SCENARIO || 'youth-2012';
const MODE = __ENV.MODE || 'historic';
const SCALE = Number(__ENV.SCALE || 1);
const TIME_SCALE = Number(__ENV.TIME_SCALE || 1);
const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
// JWT_SECRET if set; else the install's generated secrets (the file the API and worker created
// under SECRETS_DIR; from the repository root that is .secrets/secrets.json).
const SECRET =
  __ENV.JWT_SECRET ||
  JSON.parse(open(__ENV.SECRETS_FILE || '../../.secrets/secrets.json')).JWT_SECRET;
const VUS = Number(__ENV.VUS || 200);
const PAY_DELAY_SCALE = Number(__ENV.PAY_DELAY_SCALE || 0);
const P99_MS = Number(__ENV.P99_MS || 250);
const MAX_DROPPED = Number(__ENV.MAX_DROPPED || 0);
const SUMMARY_DIR = (__ENV.SUMMARY_DIR || 'loadtest/results').replace(/\/+$/, '');
const ADMISSION_RATE = Number(__ENV.ADMISSION_RATE || 0);
const REGISTRATION_RATE = Number(__ENV.REGISTRATION_RATE || 2500);
const PREQUEUE_RATE = Number(__ENV.PREQUEUE_RATE || 2500);
const WAITER_VUS = Number(__ENV.WAITER_VUS || 50);
const BATCH = Number(__ENV.BATCH || 20);
const SHARDS = Number(__ENV.SHARDS || 1);
const FIRST_COME = __ENV.FIRST_COME === '1';
const POW_DIFFICULTY = Number(__ENV.POW_DIFFICULTY || 0);
const BOT_VUS = Number(__ENV.BOT_VUS || 20);
/** Seconds between the end of setup() and the opening of a sale without mechanics. */
const OPENING_DELAY_S = 3;
/** Allowance for setup()'s own work after it fixes the opening time. */
const SETUP_SLACK_S = 2;

if (MODE !== 'historic' && MODE !== 'max') throw new Error('MODE must be historic or max');
if (!(SCALE > 0 && SCALE <= 1)) throw new Error('SCALE must be in (0, 1]');
if (!(TIME_SCALE > 0 && TIME_SCALE <= 1)) throw new Error('TIME_SCALE must be in (0, 1]');

const S = resolveScenario(FILE, NAME);
const SALE = scaleSale(S, { mode: MODE, scale: SCALE, timeScale: TIME_SCALE });
/** The historic sell-out time, scaled: what historic mode aims at (and max mode is measured by). */
const TARGET_S = S.targetSellOutSeconds * TIME_SCALE;
/** The run's time cap after the opening, as the Node driver's --limit. */
const LIMIT_S = runLimitSeconds(MODE, TARGET_S, __ENV.LIMIT_S ? Number(__ENV.LIMIT_S) : undefined);

// The sale's mechanisms, scaled as the Node driver scales them.
const M = S.mechanics;
const P = M ? planMechanics(M, SALE.buyers, SCALE, SALE.mechanicsTimeFactor) : null;
if (P && ADMISSION_RATE) P.admissionRate = ADMISSION_RATE;
/** The bot cohort, as the scenario's `bots` block has it (null: people only). */
const BOTS = S.bots && __ENV.BOTS !== '0' ? S.bots : null;
/** The proof-of-work gate: bits the sale asks, bits each device is charged, challenge life. */
const POW = POW_DIFFICULTY > 0 ? proofOfWorkSettings() : null;
/** The line takes joins before the opening, in an order the opening shuffles. */
const PRE_QUEUE = Boolean(M && M.waitingRoom) && !FIRST_COME;

function proofOfWorkSettings() {
  if (!(POW_DIFFICULTY >= 1 && POW_DIFFICULTY <= 32))
    throw new Error('POW_DIFFICULTY must be 0 to 32');
  if (!M || !(M.appointments || M.waitingRoom))
    throw new Error('POW_DIFFICULTY needs a sale with appointments or a waiting room');
  return {
    serverDifficulty: POW_DIFFICULTY,
    difficulty: Number(__ENV.POW_CHARGE_DIFFICULTY || POW_DIFFICULTY),
    lifetimeSeconds: Number(__ENV.POW_LIFETIME_S || 120),
  };
}
if (FIRST_COME && !(M && M.waitingRoom)) throw new Error('FIRST_COME needs a waiting room');

/**
 * The phases before the opening, in seconds from the end of setup(). Sized from the expected
 * head counts (the roles are drawn per buyer, so counting them would cost every VU a pass
 * over the whole crowd at start-up): registration first, the pre-queue in the last seconds,
 * the F-code holders from the priority start.
 */
function planPhases() {
  const bots = botLeadSeconds();
  if (!M) return { open: OPENING_DELAY_S + bots, registration: 0, preQueue: 0, crowdShare: 1 };
  const crowd = SALE.buyers - P.fcodes;
  const registrants = M.appointments ? Math.round(crowd * M.appointments.registeredShare) : 0;
  const early = M.waitingRoom ? Math.round(crowd * M.waitingRoom.preQueueShare) : 0;
  const registration =
    registrants > 0 ? Math.max(2, Math.ceil(registrants / REGISTRATION_RATE)) : 0;
  const preQueue = early > 0 ? Math.max(3, Math.ceil(early / PREQUEUE_RATE)) : 0;
  // The pre-queue's window, or the bots' work before the opening if that starts earlier.
  const line = Math.max(preQueue, bots);
  const open = Math.ceil(Math.max(registration + line, P.priorityLeadSeconds)) + OPENING_DELAY_S;
  // The share of buyers who arrive after the opening (neither F-code holder nor pre-queued).
  const crowdShare =
    (crowd / SALE.buyers) * (1 - (M.waitingRoom ? M.waitingRoom.preQueueShare : 0));
  return { open, registration, preQueue, registrants, early, crowdShare };
}
const PHASES = planPhases();

/** How long before the opening the bots' work starts: their lead, and a farm's solving. */
function botLeadSeconds() {
  if (!BOTS) return 0;
  const solving = POW && BOTS.solvesProofOfWork;
  return BOTS.leadSeconds + (solving ? POW.lifetimeSeconds * SALE.mechanicsTimeFactor : 0) + 1;
}

// The historic arrival model: λ(t) = peak·(f + (1 − f)·e^(−t/τ)), with the peak chosen so that
// the buyers who clear the stock have arrived at the target.
const ARRIVALS = planArrivals(SALE.units, TARGET_S, S.arrival.floorShare, SALE.decaySeconds);
const rate = (t) => intensity(ARRIVALS, t);

function historicStages() {
  // Until the whole population has arrived (or twice the target), piecewise-linear in λ,
  // and never past the run's time cap.
  let end = 2 * TARGET_S;
  while (cumulative(ARRIVALS, end) < SALE.buyers && end < 20 * TARGET_S) end *= 1.25;
  end = Math.min(end, LIMIT_S);
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

/** The opening, in seconds from the end of setup(). */
const OPENS_AFTER_S = PHASES.open + (M ? SETUP_SLACK_S : 0);

/** The run as this script planned it (k6 ignores it; the script's own tests read it). */
export const plan = {
  scenario: S,
  sale: SALE,
  mechanics: P,
  phases: PHASES,
  limitSeconds: LIMIT_S,
};

function buyerScenario() {
  const start = `${OPENS_AFTER_S}s`;
  if (MODE === 'max')
    return {
      executor: 'shared-iterations',
      vus: VUS,
      iterations: SALE.buyers,
      maxDuration: `${Math.ceil(LIMIT_S)}s`,
      startTime: start,
    };
  return {
    executor: 'ramping-arrival-rate',
    startRate: Math.max(1, Math.round(rate(0))),
    timeUnit: '1s',
    preAllocatedVUs: VUS,
    maxVUs: VUS * 10,
    stages: historicStages(),
    startTime: start,
  };
}

/** The phases before the opening, then the sale: by buyer iterations, or by waiters. */
function scenarios() {
  const out = {};
  if (PHASES.registration > 0)
    out.registration = {
      executor: 'shared-iterations',
      exec: 'registerBuyers',
      vus: VUS,
      iterations: SALE.buyers,
      maxDuration: `${PHASES.registration}s`,
    };
  if (P && P.fcodes > 0)
    out.fcodes = {
      executor: 'shared-iterations',
      exec: 'redeemFcodes',
      vus: Math.min(VUS, P.fcodes),
      iterations: P.fcodes,
      startTime: `${Math.max(0, Math.floor(OPENS_AFTER_S - P.priorityLeadSeconds - 1))}s`,
      maxDuration: `${Math.ceil(P.priorityLeadSeconds + LIMIT_S)}s`,
    };
  if (!M || !M.waitingRoom) {
    out.buyers = buyerScenario();
    if (BOTS) out.bots = heapScenario('botBuyers', BOT_VUS);
    return out;
  }
  out.waiters = heapScenario('waitingRoomBuyers', WAITER_VUS);
  return out;
}

/**
 * VUs that each drive their share of buyers from a heap: from the start of the line's window
 * (or of the bots' work) until the run's time cap.
 */
function heapScenario(fn, vus) {
  const start = Math.max(0, PHASES.open - Math.max(PHASES.preQueue, botLeadSeconds()) - 1);
  return {
    executor: 'per-vu-iterations',
    exec: fn,
    vus,
    iterations: 1,
    startTime: `${start}s`,
    maxDuration: `${Math.ceil(OPENS_AFTER_S - start + LIMIT_S + 5)}s`,
  };
}

export const options = {
  scenarios: scenarios(),
  thresholds: {
    purchase_latency: [`p(99)<${P99_MS}`],
    purchase_server_errors: ['count==0'],
    bad_requests_accepted: ['count==0'],
    replay_mismatches: ['count==0'],
    invariant_violations: ['count==0'],
  },
  // p(99) is read by the summary: k6 computes only the statistics listed here.
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  // Requests in flight at once per http.batch() call (k6's defaults are 20, and 6 per host).
  batch: BATCH,
  batchPerHost: BATCH,
  setupTimeout: '120s',
  teardownTimeout: '180s',
};

// An open model must never fall behind its schedule: that would mean the driver was the limit.
if (options.scenarios.buyers && MODE === 'historic')
  options.thresholds.dropped_iterations = [`count<=${MAX_DROPPED}`];

const accepted = new Counter('purchase_accepted');
const soldOut = new Counter('purchase_sold_out');
const limitReached = new Counter('purchase_limit_reached');
const notStarted = new Counter('purchase_not_started');
const serverErrors = new Counter('purchase_server_errors');
/** Requests sent again after a broken connection or a balancer's 502/504. */
const droppedRequests = new Counter('requests_resent_after_drop');
const paid = new Counter('orders_paid');
const badAccepted = new Counter('bad_requests_accepted');
const replayMismatches = new Counter('replay_mismatches');
const violations = new Counter('invariant_violations');
const latency = new Trend('purchase_latency', true);
const registrations = new Counter('registrations');
const registrationErrors = new Counter('registration_errors');
const notRegistered = new Counter('not_registered');
const queueJoins = new Counter('queue_joins');
const preQueueJoins = new Counter('prequeue_joins');
const preQueueLate = new Counter('prequeue_late');
const admissions = new Counter('admissions');
const queueSoldOut = new Counter('queue_sold_out');
const fcodesRedeemed = new Counter('fcodes_redeemed');
const joinToAdmit = new Trend('join_to_admission', true);
const joinToPay = new Trend('join_to_payment', true);
const challengesSolved = new Counter('challenges_solved');
const challengesRefused = new Counter('challenges_refused');
const joinsTooEarly = new Counter('queue_joins_not_started');

/** Who came and who won, by cohort and by latency decile (counters sum over the VUs). */
const cohort = BOTS ? cohortCounters() : null;
function cohortCounters() {
  const decile = (name) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((d) => new Counter(`${name}_${d}`));
  return {
    came: { bots: new Counter('came_bots'), people: new Counter('came_people') },
    won: { bots: new Counter('units_won_by_bots'), people: new Counter('units_won_by_people') },
    cameByDecile: decile('came_latency_decile'),
    wonByDecile: decile('won_latency_decile'),
    cuts: latencyDecileCuts(BOTS, SALE.buyers),
  };
}
/** Notes a buyer's first join or purchase. */
function cohortCame(i) {
  if (cohort) cohortAdd(i, cohort.came, cohort.cameByDecile);
}
/** Notes a unit won. */
function cohortWon(i) {
  if (cohort) cohortAdd(i, cohort.won, cohort.wonByDecile);
}
function cohortAdd(i, byCohort, byDecile) {
  const role = cohortRole(i, BOTS, SALE.buyers);
  byCohort[role.bot ? 'bots' : 'people'].add(1);
  byDecile[latencyDecile(role, cohort.cuts) - 1].add(1);
}

function token(sub, admin) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub, iat: now, exp: now + 6 * 3600 };
  if (admin) claims.role = 'admin';
  const head = encoding.b64encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), 'rawurl');
  const body = encoding.b64encode(JSON.stringify(claims), 'rawurl');
  return `${head}.${body}.${crypto.hmac('sha256', SECRET, `${head}.${body}`, 'base64rawurl')}`;
}

/**
 * One request, as http.batch() takes it. Every request is tagged with its route template,
 * so ids in URLs do not make a new metric series per order.
 */
function request(method, path, route, body, headers) {
  return [method, `${BASE_URL}${path}`, body, { headers, tags: { name: `${method} ${route}` } }];
}
/**
 * Sends a request, and sends it again unchanged when the connection broke (status 0) or a
 * load balancer answered 502/504 because the instance died holding it: that instance may
 * have acted, and the same request (the same Idempotency-Key) finds what it did. Every
 * request this script sends is idempotent.
 */
function send(r) {
  let res = http.request(r[0], r[1], r[2], r[3]);
  for (let drops = 1; drops < 5 && DROPPED.indexOf(res.status) >= 0; drops++) {
    droppedRequests.add(1);
    sleep(0.1 * drops);
    res = http.request(r[0], r[1], r[2], r[3]);
  }
  return res;
}
const DROPPED = [0, 502, 504];

function buyerAuth(i) {
  return { authorization: `Bearer ${token(`k6-buyer-${i}`, false)}` };
}

function purchaseRequest(saleId, i, attempt, body, admissionToken) {
  const headers = Object.assign({ 'content-type': 'application/json' }, buyerAuth(i));
  if (attempt !== null) headers['idempotency-key'] = `k6-${i}-${attempt}`;
  if (admissionToken) headers['admission-token'] = admissionToken;
  return request('POST', `/sales/${saleId}/purchase`, '/sales/:id/purchase', body, headers);
}

function errorCode(res) {
  return errorCodeOf(res.status, res.body);
}

/** Counts a refused purchase attempt by its code; returns the code. */
function countRefusal(res) {
  if (res.status >= 500 || res.status === 0) serverErrors.add(1);
  const code = errorCode(res);
  if (code === 'NOT_REGISTERED') notRegistered.add(1);
  if (code === 'NOT_STARTED') notStarted.add(1);
  if (code === 'SOLD_OUT') soldOut.add(1);
  if (code === 'LIMIT_REACHED') limitReached.add(1);
  return code;
}

/** Seconds a winner waits before paying: as the Node driver's buyers, times PAY_DELAY_SCALE. */
function payDelay(random) {
  const seconds = payDelaySeconds(S.behaviour, random, SALE.payDelayCompression, TIME_SCALE);
  return seconds * PAY_DELAY_SCALE;
}

function payRequest(i, orderId) {
  return request('POST', `/orders/${orderId}/pay`, '/orders/:id/pay', null, buyerAuth(i));
}

export function setup() {
  const admin = token('k6-admin', true);
  const adminHeaders = { 'content-type': 'application/json', authorization: `Bearer ${admin}` };
  // Scenarios are timed from the end of setup(); SETUP_SLACK_S covers the work below.
  const createdAt = Date.now();
  const opensAt = createdAt + OPENS_AFTER_S * 1000;
  const priorityAt = P ? opensAt - P.priorityLeadSeconds * 1000 : opensAt;
  const sale = {
    name: S.title.slice(0, 200),
    sku: NAME.toUpperCase(),
    price: S.unitPrice,
    stock: SALE.units,
    perUserLimit: S.perUserLimit,
    startsAt: new Date(opensAt).toISOString(),
  };
  if (SHARDS > 1) sale.shards = SHARDS;
  if (M && M.appointments)
    sale.appointments = { opensAt: new Date(createdAt - 1000).toISOString() };
  if (M && M.fcodes) sale.fcodes = { priorityStartsAt: new Date(priorityAt).toISOString() };
  if (M && M.waitingRoom)
    sale.waitingRoom = {
      admissionRate: P.admissionRate,
      admissionTtlSeconds: P.admissionTtlSeconds,
      preQueue: PRE_QUEUE,
    };
  if (POW) sale.proofOfWork = { difficulty: POW.serverDifficulty };
  const res = send(
    request('POST', '/admin/sales', '/admin/sales', JSON.stringify(sale), adminHeaders),
  );
  if (res.status !== 201) throw new Error(`could not create the sale: ${res.status} ${res.body}`);
  const saleId = res.json('id');
  let fcodes = [];
  if (P && P.fcodes > 0) {
    const issued = send(
      request(
        'POST',
        `/admin/sales/${saleId}/fcodes`,
        '/admin/sales/:id/fcodes',
        JSON.stringify({ count: P.fcodes }),
        adminHeaders,
      ),
    );
    if (issued.status !== 201) throw new Error(`could not issue F-codes: ${issued.body}`);
    fcodes = issued.json('codes');
  }
  console.log(
    `${S.title}: ${SALE.units} units, ${SALE.buyers} buyers, mode ${MODE}, target sell-out ` +
      `${TARGET_S.toFixed(1)} s, opening ${PHASES.open} s after setup, time cap ${LIMIT_S.toFixed(0)} s`,
  );
  return { saleId, admin, opensAt, priorityAt, fcodes };
}

/** Appointments, "days before": one registration per registered buyer. */
export function registerBuyers(data) {
  const i = exec.scenario.iterationInTest;
  const role = P.roleOf(i);
  if (!role.registered || role.fcode) return;
  const headers = buyerAuth(i);
  const proof = POW ? solvedChallenge(data, i) : null;
  if (proof) headers['proof-of-work'] = proof;
  const res = send(
    request('POST', `/sales/${data.saleId}/registration`, '/sales/:id/registration', null, headers),
  );
  if (res.status === 201 || res.status === 200) registrations.add(1);
  else registrationErrors.add(1);
}

/** F-code holders buy from the priority start, with neither appointment nor queue. */
export function redeemFcodes(data) {
  const k = exec.scenario.iterationInTest;
  const wait = (data.priorityAt - Date.now()) / 1000;
  if (wait > 0) sleep(wait);
  const body = JSON.stringify({ fcode: data.fcodes[k] });
  const i = k * P.fcodeStride;
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = send(purchaseRequest(data.saleId, i, attempt, body, null));
    if (attempt === 0) cohortCame(i);
    latency.add(res.timings.duration);
    if (res.status === 202) {
      accepted.add(1);
      fcodesRedeemed.add(1);
      cohortWon(i);
      return;
    }
    if (countRefusal(res) !== 'NOT_STARTED') return;
    sleep(0.2);
  }
}

/** A challenge from the sale, solved: the Proof-Of-Work header's value, or null if refused. */
function solvedChallenge(data, i) {
  const res = send(challengeRequest(data, i));
  return res.status === 201 ? proofHeader(res) : challengeRefused(res);
}

function challengeRequest(data, i) {
  const path = `/sales/${data.saleId}/challenge`;
  return request('POST', path, '/sales/:id/challenge', null, buyerAuth(i));
}

/** Solves the challenge in a 201 answer at the sale's bits, as every honest solver must. */
function proofHeader(res) {
  const challenge = res.json('challenge');
  challengesSolved.add(1);
  const solution = solveWithHex(challenge, POW.serverDifficulty, (s) => crypto.sha256(s, 'hex'));
  return `${challenge}:${solution}`;
}

function challengeRefused(res) {
  challengesRefused.add(1);
  countRefusal(res);
  return null;
}

/** The server's clock less this one, from the quickest of three round trips (one per VU). */
let serverOffsetMs = null;
function serverClockOffsetMs(data) {
  if (serverOffsetMs !== null) return serverOffsetMs;
  const samples = [];
  for (let k = 0; k < 3; k++) {
    const sentMs = Date.now();
    const res = send(request('GET', `/sales/${data.saleId}`, '/sales/:id', null, {}));
    const serverMs = res.status === 200 ? Date.parse(res.json('serverTime')) : NaN;
    samples.push({ sentMs: sentMs, receivedMs: Date.now(), serverMs: serverMs });
  }
  serverOffsetMs = clockOffsetMs(samples);
  return serverOffsetMs;
}

/** When each bot has its solution, run seconds from the opening (computed once per VU). */
let botReady = null;
function botReadyAt(i) {
  if (!POW || !BOTS.solvesProofOfWork) return null;
  if (botReady === null)
    botReady = botSolveSchedule(BOTS, SALE.buyers, POW, SALE.mechanicsTimeFactor);
  return botReady[i];
}

/** A binary min-heap of buyers by the time of their next step. */
function dueHeap() {
  const items = [];
  const up = (k) => {
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (items[parent].due <= items[k].due) return;
      [items[parent], items[k]] = [items[k], items[parent]];
      k = parent;
    }
  };
  const down = (k) => {
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < items.length && items[l].due < items[m].due) m = l;
      if (r < items.length && items[r].due < items[m].due) m = r;
      if (m === k) return;
      [items[m], items[k]] = [items[k], items[m]];
      k = m;
    }
  };
  return {
    size: () => items.length,
    nextDue: () => items[0].due,
    push(buyer) {
      items.push(buyer);
      up(items.length - 1);
    },
    pop() {
      const top = items[0];
      const last = items.pop();
      if (items.length > 0) {
        items[0] = last;
        down(0);
      }
      return top;
    },
  };
}

/** Bots make no bad requests, never replay, and keep refiring. */
const BOT_RETRIES = 50;

/**
 * One buyer driven from a heap: its first step, when it is due (before its latency), and
 * who it is. Bots run on the server's clock; people on their arrival or the pre-queue.
 */
function heapBuyer(data, i, step, due) {
  const role = BOTS ? cohortRole(i, BOTS, SALE.buyers) : null;
  const bot = Boolean(role && role.bot);
  const random = seededRandom(i + 1);
  const b = {
    i,
    bot,
    latency: role ? role.latencyMs : 0,
    reaction: role ? role.reactionMs : 0,
    windowDraw: role ? role.windowDraw : 0,
    step,
    due,
    joinedAt: due,
    attempt: 0,
    retried: 0,
    solves: 0,
    proof: null,
    came: false,
    preQueue: false,
    draws: bot
      ? { random, bad: false, replays: false, retries: BOT_RETRIES, pays: true }
      : buyerBehaviour(i, S.behaviour),
  };
  b.gated = step === 'join' && POW !== null && !(bot && !BOTS.solvesProofOfWork);
  if (b.gated) b.step = 'challenge';
  if (bot) botStart(data, b);
  b.due += b.latency;
  return b;
}

/**
 * When a bot fires, on the server's clock: `leadSeconds` before the opening or, where the
 * line has a pre-queue, somewhere in its window. Under proof of work it first takes its
 * challenge when its operator's cores get to it.
 */
function botStart(data, b) {
  const offset = serverClockOffsetMs(data);
  const lead = BOTS.leadSeconds;
  const window = PRE_QUEUE ? PHASES.preQueue : 0;
  const early = window > lead ? (window - lead) * (1 - b.windowDraw) : 0;
  b.fireAt = data.opensAt - (lead + early) * 1000 - offset;
  const ready = botReadyAt(b.i);
  b.due =
    b.step === 'challenge' && ready !== null ? data.opensAt + ready * 1000 - offset : b.fireAt;
}

/** The request of a heap buyer's next step. */
function stepRequest(data, b) {
  const queuePath = `/sales/${data.saleId}/queue`;
  switch (b.step) {
    case 'challenge':
      return challengeRequest(data, b.i);
    case 'join': {
      const headers = buyerAuth(b.i);
      if (b.proof) headers['proof-of-work'] = b.proof;
      return request('POST', queuePath, '/sales/:id/queue', null, headers);
    }
    case 'poll':
      return request('GET', queuePath, '/sales/:id/queue', null, buyerAuth(b.i));
    case 'bad':
      return purchaseRequest(data.saleId, b.i, null, '{"quantity":0}', b.admission);
    case 'buy':
    case 'replay':
      return purchaseRequest(data.saleId, b.i, b.attempt, '{"quantity":1}', b.admission);
    default:
      return payRequest(b.i, b.orderId);
  }
}

/** Applies the answer to a buyer's step; returns when the next step is due, or null when done. */
function advance(data, b, res, now) {
  switch (b.step) {
    case 'challenge':
      return afterChallenge(data, b, res, now);
    case 'join':
      return afterJoin(data, b, res, now);
    case 'poll': {
      if (res.status !== 200) return null;
      const ticket = res.json();
      if (ticket.status === 'admitted') {
        admissions.add(1);
        joinToAdmit.add(now - b.joinedAt);
        b.admission = ticket.admissionToken;
        b.step = b.draws.bad ? 'bad' : 'buy';
        return now;
      }
      if (ticket.status === 'sold_out') queueSoldOut.add(1);
      if (ticketIsFinal(ticket.status)) return null;
      return now + pollDelaySeconds(ticket.estimatedWaitSeconds) * 1000;
    }
    case 'bad':
      if (res.status < 400 || res.status >= 500) badAccepted.add(1);
      b.step = 'buy';
      return now;
    case 'buy':
    case 'replay':
      return afterPurchase(data, b, res, now);
    default:
      if (res.status === 200) {
        paid.add(1);
        joinToPay.add(now - b.joinedAt);
      }
      return null;
  }
}

/**
 * A solved challenge: a bot fires when its firing time comes, a person after the time their
 * browser takes (charged once, as the page keeps solving while the countdown runs).
 */
function afterChallenge(data, b, res, now) {
  if (res.status !== 201) return challengeRefused(res);
  b.proof = proofHeader(res);
  b.step = 'join';
  if (b.bot) return Math.max(b.fireAt, now);
  const solve =
    b.solves++ === 0
      ? personSolveSeconds(b.i, 0, BOTS, POW.difficulty, SALE.mechanicsTimeFactor)
      : 0;
  return now + solve * 1000;
}

function afterJoin(data, b, res, now) {
  b.proof = null; // spent, taken or not
  if (res.status === 201 || res.status === 200) {
    queueJoins.add(1);
    if (b.preQueue && now < data.opensAt) preQueueJoins.add(1);
    else if (b.preQueue) preQueueLate.add(1);
    b.joinedAt = now;
    b.step = 'poll';
    return now + pollDelaySeconds(res.json('estimatedWaitSeconds')) * 1000;
  }
  const code = errorCode(res);
  if (code === 'NOT_REGISTERED') notRegistered.add(1);
  if (code === 'SOLD_OUT') queueSoldOut.add(1);
  if (code !== 'NOT_STARTED') return null;
  // A line without a pre-queue: ask again; under proof of work each try spends a solution.
  joinsTooEarly.add(1);
  if (b.gated) b.step = 'challenge';
  return now + notStartedMs(data, b, now);
}

/** How long a buyer waits before trying again a sale (or line) that has not opened. */
function notStartedMs(data, b, now) {
  if (b.bot) return BOTS.refireMs * (0.5 + b.draws.random());
  // A person clicks a moment after the countdown ends, not on it.
  return personNotStartedWaitMs(data.opensAt - now, b.reaction);
}

function afterPurchase(data, b, res, now) {
  if (b.step === 'buy') latency.add(res.timings.duration);
  if (res.status === 202) {
    const orderId = res.json('orderId');
    if (b.step === 'replay' && orderId !== b.orderId) replayMismatches.add(1);
    b.orderId = orderId;
    if (b.step === 'buy' && b.draws.replays) {
      b.step = 'replay';
      return now;
    }
    accepted.add(1);
    cohortWon(b.i);
    if (!b.draws.pays) return null;
    b.step = 'pay';
    return now + payDelay(b.draws.random) * 1000;
  }
  if (b.step === 'replay' && b.orderId) {
    // The replay was refused, but the first answer stands: a 202 for this order.
    accepted.add(1);
    cohortWon(b.i);
    return null;
  }
  const code = countRefusal(res);
  b.step = 'buy';
  b.attempt++;
  if (code === 'NOT_STARTED') return now + notStartedMs(data, b, now);
  if (b.retried >= b.draws.retries) return null;
  b.retried++;
  if (b.bot) return now + notStartedMs(data, b, now);
  return now + S.behaviour.retryDelaySeconds * (0.5 + b.draws.random()) * 1000;
}

/**
 * Moves every buyer in the heap through its steps at its own times, BATCH requests at a
 * time, until the run's time cap. Each request waits the buyer's latency out (in its due
 * time) and back (before its answer counts).
 */
function drive(data, heap) {
  const stopAt = data.opensAt + LIMIT_S * 1000;
  while (heap.size() > 0 && Date.now() < stopAt) {
    const now = Date.now();
    if (heap.nextDue() > now) {
      sleep(Math.min(1, (heap.nextDue() - now) / 1000));
      continue;
    }
    const due = [];
    while (due.length < BATCH && heap.size() > 0 && heap.nextDue() <= now) due.push(heap.pop());
    const answers = http.batch(due.map((b) => stepRequest(data, b)));
    const answeredAt = Date.now();
    due.forEach((b, k) => {
      if (!b.came && (b.step === 'join' || b.step === 'buy')) {
        b.came = true;
        cohortCame(b.i);
      }
      const next = advance(data, b, answers[k], answeredAt + b.latency);
      if (next === null) return;
      b.due = next + b.latency;
      heap.push(b);
    });
  }
}

/**
 * The waiting room's buyers: this VU owns every WAITER_VUS-th buyer. The pre-queue's people
 * join spread over its window, the crowd at its arrival times, the bots when they fire.
 */
export function waitingRoomBuyers(data) {
  const heap = dueHeap();
  const windowStart = data.opensAt - PHASES.preQueue * 1000;
  const spreadMs = Math.max(0, PHASES.preQueue * 1000 - 200);
  let t = 0;
  for (let i = exec.scenario.iterationInTest; i < SALE.buyers; i += WAITER_VUS) {
    const role = P.roleOf(i);
    if (role.fcode) continue;
    let due = data.opensAt;
    if (role.preQueue) due = windowStart + (spreadMs * i) / SALE.buyers;
    else if (MODE === 'historic') {
      // The crowd arrives on the historic schedule, in buyer order.
      t = arrivalTime(ARRIVALS, i * PHASES.crowdShare + 0.5, t);
      due += t * 1000;
    }
    const b = heapBuyer(data, i, 'join', due);
    b.preQueue = role.preQueue && !b.bot;
    heap.push(b);
  }
  drive(data, heap);
}

/** The bots of a sale without a waiting room: this VU owns every BOT_VUS-th of them. */
export function botBuyers(data) {
  const heap = dueHeap();
  for (let i = exec.scenario.iterationInTest; i < SALE.buyers; i += BOT_VUS) {
    if (!cohortRole(i, BOTS, SALE.buyers).bot || (P && P.roleOf(i).fcode)) continue;
    heap.push(heapBuyer(data, i, 'buy', data.opensAt));
  }
  drive(data, heap);
}

/** A person in a sale without a waiting room: one iteration, from arrival to payment. */
export default function (data) {
  const i = exec.scenario.iterationInTest;
  if (P && P.roleOf(i).fcode) return; // F-code holders buy in their own scenario
  const role = BOTS ? cohortRole(i, BOTS, SALE.buyers) : null;
  if (role && role.bot) return; // bots fire in their own scenario
  const wait = (ms) => {
    if (ms > 0) sleep(ms / 1000);
  };
  const draws = buyerBehaviour(i, S.behaviour);
  const oneWay = role ? role.latencyMs : 0;
  if (draws.bad) {
    const bad = send(purchaseRequest(data.saleId, i, null, '{"quantity":0}', null));
    if (bad.status < 400 || bad.status >= 500) badAccepted.add(1);
  }
  cohortCame(i);
  for (let attempt = 0, retried = 0; attempt < 200; attempt++) {
    const buy = purchaseRequest(data.saleId, i, attempt, '{"quantity":1}', null);
    wait(oneWay);
    let res = send(buy);
    wait(oneWay);
    latency.add(res.timings.duration);
    if (draws.replays) {
      const again = send(buy);
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
      cohortWon(i);
      if (!draws.pays) return;
      const delay = payDelay(draws.random);
      if (delay > 0) sleep(delay);
      if (send(payRequest(i, res.json('orderId'))).status === 200) paid.add(1);
      return;
    }
    const code = countRefusal(res);
    if (code === 'NOT_STARTED') {
      const left = data.opensAt - Date.now();
      sleep(personNotStartedWaitMs(left, role ? role.reactionMs : 0) / 1000);
      continue;
    }
    if (retried >= draws.retries) return;
    retried++;
    sleep(S.behaviour.retryDelaySeconds * (0.5 + draws.random()));
  }
}

export function teardown(data) {
  const stats = request(
    'GET',
    `/admin/sales/${data.saleId}/stats`,
    '/admin/sales/:id/stats',
    null,
    {
      authorization: `Bearer ${data.admin}`,
    },
  );
  let figures;
  for (let waited = 0; waited < 120; waited += 0.5) {
    figures = send(stats).json();
    if (pipelineDrained(figures)) break;
    sleep(0.5);
  }
  const broken = statsInvariants(figures)
    .filter((invariant) => !invariant.ok)
    .map((invariant) => `${invariant.name} (${invariant.detail})`);
  console.log(`final stats ${JSON.stringify(figures)}`);
  if (broken.length > 0) {
    violations.add(broken.length);
    throw new Error(`invariants broken: ${broken.join(', ')}`);
  }
}

/** Where the JSON summary goes: the README and the compose service say the same. */
export const summaryPath = `${SUMMARY_DIR}/k6-${NAME}-${MODE}.json`;

export function handleSummary(data) {
  const m = data.metrics;
  // A statistic k6 did not compute prints as n/a, never as a silent 0.
  const value = (name, key) =>
    m[name] && m[name].values[key] !== undefined ? m[name].values[key] : null;
  const count = (name) => value(name, 'count') || 0;
  const fixed = (x, digits, divisor) => (x === null ? 'n/a' : (x / (divisor || 1)).toFixed(digits));
  const lines = [
    `${S.title} (${MODE}, scale ${SCALE}, time scale ${TIME_SCALE})`,
    `purchases accepted ${count('purchase_accepted')}, sold out ${count('purchase_sold_out')}, limit reached ${count('purchase_limit_reached')}, paid ${count('orders_paid')}`,
    `purchase latency ms p50 ${fixed(value('purchase_latency', 'med'), 2)}, p95 ${fixed(value('purchase_latency', 'p(95)'), 2)}, p99 ${fixed(value('purchase_latency', 'p(99)'), 2)}`,
    `http requests ${count('http_reqs')} (${fixed(value('http_reqs', 'rate'), 0)}/s), dropped iterations ${count('dropped_iterations')}`,
  ];
  if (BOTS) lines.push(...fairnessLines(crowdCounts(BOTS, SALE.buyers), count));
  if (POW)
    lines.push(
      `proof of work ${POW.serverDifficulty} bits (devices charged ${POW.difficulty}): challenges solved ${count('challenges_solved')}, refused ${count('challenges_refused')}`,
    );
  if (M) {
    lines.push(
      `registrations ${count('registrations')} (expected about ${PHASES.registrants}; ${count('registration_errors')} refused), refused for no appointment ${count('not_registered')}, F-codes redeemed ${count('fcodes_redeemed')} of ${P.fcodes}`,
      `pre-queue joins ${count('prequeue_joins')} (expected about ${PHASES.early}; ${count('prequeue_late')} after the opening), queue joins ${count('queue_joins')}, admissions ${count('admissions')}, told sold out ${count('queue_sold_out')}, joins before the line opened ${count('queue_joins_not_started')}`,
      `join to admission s p50 ${fixed(value('join_to_admission', 'med'), 2, 1000)}, p99 ${fixed(value('join_to_admission', 'p(99)'), 2, 1000)}; join to payment s p50 ${fixed(value('join_to_payment', 'med'), 2, 1000)}, p99 ${fixed(value('join_to_payment', 'p(99)'), 2, 1000)}`,
    );
  }
  lines.push(...thresholdLines(m), `summary written to ${summaryPath}`);
  return {
    stdout: `${lines.join('\n')}\n`,
    [summaryPath]: JSON.stringify(data, null, 2),
  };
}

/** k6's verdict on each threshold (a custom summary replaces k6's own table). */
function thresholdLines(metrics) {
  const rows = [];
  for (const name of Object.keys(metrics).sort()) {
    const thresholds = metrics[name].thresholds || {};
    for (const expression of Object.keys(thresholds))
      rows.push(`  ${thresholds[expression].ok ? 'ok  ' : 'FAIL'} ${name}: ${expression}`);
  }
  const failed = rows.filter((r) => r.includes('FAIL')).length;
  return [`thresholds: ${failed === 0 ? 'all passed' : `${failed} crossed`}`, ...rows];
}
