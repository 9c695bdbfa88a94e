// @ts-check
import { seededRandom } from './prng.js';

/**
 * The bot cohort of a crowd, seeded per buyer so that the Node driver and k6 send the same
 * crowd: who is a bot, whose bot it is, each buyer's latency, and what a proof of work costs
 * each device. Plain ES2019 for k6's runtime.
 *
 * @typedef {import('./types').Bots} Bots
 * @typedef {import('./types').CohortRole} CohortRole
 */

/**
 * @param {number} buyer
 * @param {Bots} bots
 * @param {number} buyers the crowd's size
 * @returns {CohortRole}
 */
export function cohortRole(buyer, bots, buyers) {
  // A stream of its own, apart from the purchase behaviour's and the mechanisms' roles.
  const random = seededRandom(2000003 + buyer);
  const bot = random() < bots.share;
  const operators = Math.max(1, Math.round((bots.share * buyers) / bots.accountsPerOperator));
  const min = bots.crowdLatencyMs[0];
  const drawn = min + (bots.crowdLatencyMs[1] - min) * random();
  const operatorDraw = random();
  const reaction = bots.crowdReactionMs;
  const reactionMs = reaction[0] + (reaction[1] - reaction[0]) * random();
  return {
    bot,
    operator: bot ? Math.floor(operatorDraw * operators) : null,
    latencyMs: bot ? Math.max(0, drawn - bots.latencyAdvantageMs) : drawn,
    reactionMs: bot ? 0 : reactionMs,
    windowDraw: random(),
  };
}

/**
 * Seconds a device takes to find a solution of `difficulty` bits at `hashesPerSecond`: the
 * tries are geometric (each hash succeeds with probability 2^-difficulty), drawn from
 * `random`.
 * @param {number} difficulty
 * @param {number} hashesPerSecond
 * @param {() => number} random
 */
export function solveSeconds(difficulty, hashesPerSecond, random) {
  const p = Math.pow(2, -difficulty);
  const tries = Math.max(1, Math.ceil(Math.log(1 - random()) / Math.log(1 - p)));
  return tries / hashesPerSecond;
}

/**
 * When each of an operator's accounts has its solution, seconds from when it may start: its
 * cores take the accounts in turn, each core one solution after another.
 * @param {readonly number[]} solveTimes seconds per account, in the operator's order
 * @param {number} cores
 * @returns {number[]}
 */
export function operatorReadyTimes(solveTimes, cores) {
  /** @type {number[]} */
  const free = [];
  for (let c = 0; c < Math.max(1, cores); c++) free.push(0);
  return solveTimes.map(function (seconds) {
    let core = 0;
    for (let c = 1; c < free.length; c++) if (free[c] < free[core]) core = c;
    free[core] += seconds;
    return free[core];
  });
}

/**
 * When each bot has its first solution, seconds from the opening (run seconds): each
 * operator's accounts, in buyer order, share its cores, which start one challenge lifetime
 * before the firing time and no earlier. Null for a person, and for every buyer when bots do
 * not solve.
 * @param {Bots} bots
 * @param {number} buyers the crowd's size
 * @param {{ difficulty: number, lifetimeSeconds: number }} pow modelled bits, historic seconds
 * @param {number} timeFactor run seconds per historic second of the sale's mechanisms
 * @returns {(number | null)[]}
 */
export function botSolveSchedule(bots, buyers, pow, timeFactor) {
  /** @type {(number | null)[]} */
  const ready = [];
  /** @type {Record<number, number[]>} */
  const accounts = {};
  for (let i = 0; i < buyers; i++) {
    const role = cohortRole(i, bots, buyers);
    ready.push(null);
    if (role.operator === null || !bots.solvesProofOfWork) continue;
    if (!accounts[role.operator]) accounts[role.operator] = [];
    accounts[role.operator].push(i);
  }
  const start = -bots.leadSeconds - pow.lifetimeSeconds * timeFactor;
  Object.keys(accounts).forEach(function (key) {
    const operator = Number(key);
    const random = seededRandom(5000011 + operator);
    const mine = accounts[operator];
    const times = mine.map(function () {
      return solveSeconds(pow.difficulty, bots.farmHashesPerSecondPerCore, random);
    });
    const done = operatorReadyTimes(times, bots.coresPerOperator);
    mine.forEach(function (i, k) {
      ready[i] = start + done[k] * timeFactor;
    });
  });
  return ready;
}

/**
 * Seconds a person's browser takes for their `solve`-th challenge, in run seconds: a seeded
 * draw per buyer and solve, so both drivers charge a person the same.
 * @param {number} buyer
 * @param {number} solve
 * @param {Bots} bots
 * @param {number} difficulty modelled bits
 * @param {number} timeFactor
 */
export function personSolveSeconds(buyer, solve, bots, difficulty, timeFactor) {
  const random = seededRandom(4000037 + buyer * 7 + solve);
  return solveSeconds(difficulty, bots.browserHashesPerSecond, random) * timeFactor;
}

/**
 * Where a fair draw of `winners` from a crowd with `share` bots puts the bots' share of the
 * winners: ± 2 standard errors, clipped to [0, 1].
 * @param {number} share
 * @param {number} winners
 * @returns {[number, number]}
 */
export function fairBand(share, winners) {
  const se = Math.sqrt((share * (1 - share)) / Math.max(1, winners));
  return [Math.max(0, share - 2 * se), Math.min(1, share + 2 * se)];
}

/**
 * How long a person told NOT_STARTED waits before trying again, ms: until their page's
 * countdown ends, and then their reaction (at least 20 ms, should the shop's clock be behind).
 * @param {number} leftMs until the opening, on the driver's clock
 * @param {number} reactionMs
 */
export function personNotStartedWaitMs(leftMs, reactionMs) {
  return Math.max(20, leftMs + reactionMs);
}
