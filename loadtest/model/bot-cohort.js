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
