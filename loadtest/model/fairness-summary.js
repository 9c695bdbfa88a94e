// @ts-check
import { cohortRole, fairBand } from './bot-cohort.js';

/**
 * The fairness a k6 run can count: k6 sums counters over its VUs, so it has who came and who
 * won per cohort and per latency decile, but not each buyer's arrival and win times (Kendall's
 * tau needs those; the Node driver's report has it). Plain ES2019 for k6's runtime.
 *
 * @typedef {import('./types').Bots} Bots
 */

/** How many buyers the latency deciles' cut points are read from (the first of the crowd). */
const DECILE_SAMPLE = 20000;

/**
 * The nine points that cut the crowd into deciles by latency, fastest first. Each point is a
 * latency and a draw: many bots tie at 0 ms, and their uniform `windowDraw` breaks the tie.
 * @param {Bots} bots
 * @param {number} buyers
 * @returns {[number, number][]}
 */
export function latencyDecileCuts(bots, buyers) {
  const n = Math.min(buyers, DECILE_SAMPLE);
  /** @type {[number, number][]} */
  const points = [];
  for (let i = 0; i < n; i++) {
    const role = cohortRole(i, bots, buyers);
    points.push([role.latencyMs, role.windowDraw]);
  }
  points.sort(compare);
  const cuts = [];
  for (let d = 1; d < 10; d++) cuts.push(points[Math.floor((d * n) / 10)]);
  return cuts;
}

/**
 * @param {readonly number[]} a
 * @param {readonly number[]} b
 */
function compare(a, b) {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * The decile (1 fastest to 10 slowest) of a buyer's cohort role.
 * @param {{ latencyMs: number, windowDraw: number }} role
 * @param {readonly [number, number][]} cuts
 */
export function latencyDecile(role, cuts) {
  const point = [role.latencyMs, role.windowDraw];
  let d = 0;
  while (d < cuts.length && compare(point, cuts[d]) >= 0) d++;
  return d + 1;
}

/**
 * Bots and people in the whole crowd, and how many operators run the bots.
 * @param {Bots} bots
 * @param {number} buyers
 */
export function crowdCounts(bots, buyers) {
  let botCount = 0;
  /** @type {Record<number, boolean>} */
  const operators = {};
  for (let i = 0; i < buyers; i++) {
    const role = cohortRole(i, bots, buyers);
    if (!role.bot) continue;
    botCount++;
    operators[Number(role.operator)] = true;
  }
  return { people: buyers - botCount, bots: botCount, operators: Object.keys(operators).length };
}

/**
 * The summary's lines on fairness, from the run's counters.
 * @param {{ people: number, bots: number, operators: number }} crowd
 * @param {(name: string) => number} count a counter's total
 * @returns {string[]}
 */
export function fairnessLines(crowd, count) {
  const won = { bots: count('units_won_by_bots'), people: count('units_won_by_people') };
  const winners = won.bots + won.people;
  const share = ratio(crowd.bots, crowd.bots + crowd.people);
  const band = fairBand(share, winners);
  const deciles = [];
  for (let d = 1; d <= 10; d++) {
    const came = count('came_latency_decile_' + d);
    deciles.push(came > 0 ? pct(ratio(count('won_latency_decile_' + d), came)) : 'n/a');
  }
  return [
    'bots ' +
      pct(share) +
      ' of the crowd (' +
      crowd.bots +
      ' accounts, ' +
      crowd.operators +
      ' operators); came: bots ' +
      count('came_bots') +
      ', people ' +
      count('came_people'),
    'units won: bots ' +
      won.bots +
      ', people ' +
      won.people +
      '; bots\u2019 share ' +
      pct(ratio(won.bots, winners)) +
      ' (a fair draw: ' +
      pct(band[0]) +
      ' to ' +
      pct(band[1]) +
      '); win chance: people ' +
      pct(ratio(won.people, crowd.people)) +
      ', bots ' +
      pct(ratio(won.bots, crowd.bots)),
    'win chance of those who came, by latency decile (fastest first): ' + deciles.join(', '),
  ];
}

/** @param {number} x */
function pct(x) {
  return (100 * x).toFixed(1) + ' %';
}

/**
 * @param {number} part
 * @param {number} whole
 */
function ratio(part, whole) {
  return whole > 0 ? part / whole : 0;
}
