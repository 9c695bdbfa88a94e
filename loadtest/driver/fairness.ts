import { fairBand } from '../model/bot-cohort.js';
import type { CrowdCohort } from './crowd-cohort';

/** When each buyer reached the sale, was let in and won, in run seconds. */
export class FairnessTally {
  readonly arrivedAt = new Map<number, number>();
  readonly admittedAt = new Map<number, number>();
  readonly wonAt = new Map<number, number>();

  /** The buyer's first request at the sale (a queue join or a purchase), kept once. */
  arrived(i: number, t: number): void {
    if (!this.arrivedAt.has(i)) this.arrivedAt.set(i, t);
  }

  admitted(i: number, t: number): void {
    if (!this.admittedAt.has(i)) this.admittedAt.set(i, t);
  }

  won(i: number, t: number): void {
    if (!this.wonAt.has(i)) this.wonAt.set(i, t);
  }
}

export interface LatencyDecile {
  fromMs: number;
  toMs: number;
  buyers: number;
  winChance: number;
}

export interface FairnessFigures {
  people: number;
  bots: number;
  operators: number;
  /** Bots among the whole crowd (came or not). */
  botShareOfCrowd: number;
  /** Buyers who reached the sale before it sold out (the arrival model stops the rest). */
  came: number;
  /** Bots among the buyers who came before the opening (those a pre-queue shuffles). */
  botShareBeforeOpening: number | null;
  /** Bots among the winners. */
  botShareOfUnits: number;
  /** Where a fair draw of this many winners would put the bots' share: ± 2 standard errors. */
  fairBand: [number, number];
  winners: { people: number; bots: number };
  winChance: { people: number; bots: number };
  /** Kendall's tau-b of arrival order against win order (a loser is last, tied). */
  arrivalVsWin: number;
  /** The same among those who came before the opening: what a pre-queue's shuffle is for. */
  arrivalVsWinBeforeOpening: number | null;
  /** Of arrival order against admission order, in a sale with a waiting room. */
  arrivalVsAdmission: number | null;
  byLatencyDecile: LatencyDecile[];
}

/** The fairness of one run: who won, against who came, when and how close they were. */
export function fairnessFigures(
  tally: FairnessTally,
  cohort: CrowdCohort,
  waitingRoom: boolean,
): FairnessFigures {
  const came = [...tally.arrivedAt.keys()];
  const winners = came.filter((i) => tally.wonAt.has(i));
  const botWinners = winners.filter((i) => cohort.isBot(i));
  const early = came.filter((i) => tally.arrivedAt.get(i)! < 0);
  const crowd = cohort.counts();
  const share = ratio(crowd.bots, crowd.bots + crowd.people);
  const arrival = came.map((i) => tally.arrivedAt.get(i)!);
  const last = (times: Map<number, number>) => came.map((i) => times.get(i) ?? Infinity);
  return {
    people: crowd.people,
    bots: crowd.bots,
    operators: crowd.operators,
    botShareOfCrowd: share,
    came: came.length,
    botShareBeforeOpening:
      early.length > 0 ? ratio(early.filter((i) => cohort.isBot(i)).length, early.length) : null,
    botShareOfUnits: ratio(botWinners.length, winners.length),
    fairBand: fairBand(share, winners.length),
    winners: { people: winners.length - botWinners.length, bots: botWinners.length },
    winChance: {
      people: ratio(winners.length - botWinners.length, crowd.people),
      bots: ratio(botWinners.length, crowd.bots),
    },
    arrivalVsWin: kendallTauB(arrival, last(tally.wonAt)),
    arrivalVsWinBeforeOpening:
      early.length > 1
        ? kendallTauB(
            early.map((i) => tally.arrivedAt.get(i)!),
            early.map((i) => tally.wonAt.get(i) ?? Infinity),
          )
        : null,
    arrivalVsAdmission: waitingRoom ? kendallTauB(arrival, last(tally.admittedAt)) : null,
    byLatencyDecile: latencyDeciles(came, cohort, tally),
  };
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function latencyDeciles(
  came: number[],
  cohort: CrowdCohort,
  tally: FairnessTally,
): LatencyDecile[] {
  const sorted = [...came].sort((a, b) => cohort.role(a).latencyMs - cohort.role(b).latencyMs);
  const deciles: LatencyDecile[] = [];
  for (let d = 0; d < 10; d++) {
    const group = sorted.slice(
      Math.floor((d * sorted.length) / 10),
      Math.floor(((d + 1) * sorted.length) / 10),
    );
    if (group.length === 0) continue;
    deciles.push({
      fromMs: cohort.role(group[0]).latencyMs,
      toMs: cohort.role(group[group.length - 1]).latencyMs,
      buyers: group.length,
      winChance: ratio(group.filter((i) => tally.wonAt.has(i)).length, group.length),
    });
  }
  return deciles;
}

/**
 * Kendall's tau-b of two paired samples, with ties (Infinity ties with Infinity), in
 * O(n log n) by Knight's method: sort by x (then y), count the pairs a merge sort of y must
 * swap (the discordant ones), and correct for the ties in x, in y and in both.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => x[a] - x[b] || cmp(y[a], y[b]),
  );
  const tiedX = tiedPairs(order, (i) => x[i]);
  const tiedXY = tiedPairs(
    order,
    (i) => x[i],
    (i) => y[i],
  );
  const ys = order.map((i) => y[i]);
  const swaps = mergeCountSwaps(ys);
  // ys is now sorted: its runs are the ties in y.
  const tiedY = tiedPairs(
    ys.map((_, k) => k),
    (k) => ys[k],
  );
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  if (denominator === 0) return 0;
  return (pairs - tiedX - tiedY + tiedXY - 2 * swaps) / denominator;
}

function cmp(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Pairs within runs of equal keys, in an order that keeps equal keys together. */
function tiedPairs(
  order: readonly number[],
  first: (i: number) => number,
  second?: (i: number) => number,
): number {
  let pairs = 0;
  let run = 1;
  for (let k = 1; k <= order.length; k++) {
    const same =
      k < order.length &&
      first(order[k]) === first(order[k - 1]) &&
      (!second || second(order[k]) === second(order[k - 1]));
    if (same) {
      run++;
      continue;
    }
    pairs += (run * (run - 1)) / 2;
    run = 1;
  }
  return pairs;
}

/** Sorts `values` in place (bottom-up merge sort) and returns how many inversions it undid. */
function mergeCountSwaps(values: number[]): number {
  let swaps = 0;
  let from = values;
  let to = new Array<number>(values.length);
  for (let width = 1; width < values.length; width *= 2) {
    for (let lo = 0; lo < values.length; lo += 2 * width) {
      const mid = Math.min(lo + width, values.length);
      const hi = Math.min(lo + 2 * width, values.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (from[i] <= from[j]) to[k++] = from[i++];
        else {
          swaps += mid - i;
          to[k++] = from[j++];
        }
      }
      while (i < mid) to[k++] = from[i++];
      while (j < hi) to[k++] = from[j++];
    }
    [from, to] = [to, from];
  }
  if (from !== values) for (let k = 0; k < values.length; k++) values[k] = from[k];
  return swaps;
}
