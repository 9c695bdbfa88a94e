import { latencyPercentiles } from '../bench/bench-support';
import { seededRandom } from './prng';
import type { Mechanics } from './scenario';

/** What one buyer does about the sale's mechanisms (seeded per buyer, so runs repeat). */
export interface BuyerRole {
  /** Registered before the opening (always true without appointments). */
  registered: boolean;
  /** Holds an F-code: buys in the priority window, skipping appointment and queue. */
  fcode: boolean;
  /** Joins the waiting room before the opening (the pre-queue, shuffled at the opening). */
  preQueue: boolean;
  /** Follows the ticket over server-sent events instead of polling. */
  follows: boolean;
}

export interface MechanicsPlan {
  /** How many F-codes the admin issues (the scenario's, scaled). */
  fcodes: number;
  /** Run seconds between the priority start and the opening. */
  priorityLeadSeconds: number;
  /** Admissions per run second. */
  admissionRate: number;
  /** Admission lifetime in run seconds (at least the API's minimum of 5). */
  admissionTtlSeconds: number;
  roleOf(buyer: number): BuyerRole;
}

/**
 * Scales a scenario's mechanisms to a run: `scale` shrinks the crowd (and so the codes and
 * the admission rate), historic mode compresses time by the scenario's compression and the
 * run's time scale (so rates grow and leads shrink). Max mode keeps historic time: the
 * waiting room's rate is the sale's configuration, not a load setting.
 */
export function planMechanics(
  mechanics: Mechanics,
  buyers: number,
  scale: number,
  timeFactor: number,
): MechanicsPlan {
  const fcodes = mechanics.fcodes ? Math.max(1, Math.round(mechanics.fcodes.codes * scale)) : 0;
  // F-code holders are spread evenly over the buyer numbers.
  const stride = fcodes > 0 ? Math.max(1, Math.floor(buyers / fcodes)) : 0;
  const wr = mechanics.waitingRoom;
  return {
    fcodes,
    priorityLeadSeconds: mechanics.fcodes
      ? Math.max(1, mechanics.fcodes.priorityLeadSeconds * timeFactor)
      : 0,
    admissionRate: wr ? Math.max(1, Math.round((wr.admissionRate * scale) / timeFactor)) : 0,
    admissionTtlSeconds: wr ? Math.max(5, Math.round(wr.admissionTtlSeconds * timeFactor)) : 0,
    roleOf(buyer: number): BuyerRole {
      // A stream of its own, apart from the purchase behaviour's.
      const random = seededRandom(1_000_003 + buyer);
      const fcode = stride > 0 && buyer % stride === 0 && buyer / stride < fcodes;
      return {
        fcode,
        registered: mechanics.appointments
          ? random() < mechanics.appointments.registeredShare
          : true,
        preQueue: wr ? random() < wr.preQueueShare : false,
        follows: wr ? random() < wr.followShare : false,
      };
    },
  };
}

/** How long a buyer in line waits before asking again: half the estimate, within bounds. */
export function pollDelaySeconds(estimatedWaitSeconds: number | null, minimum = 0.2): number {
  if (estimatedWaitSeconds === null) return 1;
  return Math.min(30, Math.max(minimum, estimatedWaitSeconds / 2));
}

export interface MechanicsFigures {
  registrations?: { attempted: number; registered: number; perSecond: number; seconds: number };
  fcodes?: { issued: number; redeemed: number };
  queue?: {
    joins: number;
    /** Over the whole run: the pre-queue burst, then arrivals on the historic schedule. */
    joinsPerSecond: number;
    /** The pre-queue alone: buyers joining in the seconds before the opening. */
    preQueueJoins?: number;
    preQueueJoinsPerSecond?: number;
    admitted: number;
    admissionsPerSecond: number;
    /** From the join's answer to the first sight of the admission, seconds. */
    joinToAdmitSeconds: { p50: number; p99: number };
    /** From the join's answer to the payment's answer, seconds. */
    joinToPaySeconds: { p50: number; p99: number };
    soldOutSeen: number;
    followers: number;
  };
}

/** Events per second over the span they happened in (a burst in one instant counts once). */
export function ratePerSecond(times: readonly number[]): number {
  if (times.length === 0) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const t of times) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return Math.round(times.length / Math.max(last - first, 0.001));
}

export function secondsPercentiles(values: readonly number[]): { p50: number; p99: number } {
  const p = latencyPercentiles([...values]);
  return { p50: p.p50, p99: p.p99 };
}
