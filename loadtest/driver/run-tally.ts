import { maxOf } from '../bench/bench-support';
import { FairnessTally } from './fairness';
import { MechanicsFigures, ratePerSecond, secondsPercentiles } from './mechanics-figures';
import type { LatencySample, SaleEvent } from './summary';

/**
 * What the buyers of one run saw, in one place: every buyer flow writes here and the verdict
 * reads from here, so no phase keeps counters of its own.
 */
export class PurchaseTally {
  /** Every request the buyers sent: purchases, replays, payments and bad requests. */
  attempts = 0;
  /** Units in 202 answers. */
  unitsSold = 0;
  /** Units in 200 answers to payments. */
  unitsPaid = 0;
  /** Replays that came back with another order than the first answer's. */
  replayMismatches = 0;
  /** Malformed requests that were not refused with a 4xx. */
  badAccepted = 0;
  readonly outcomes = new Map<string, number>();
  /** Purchase requests, by the run second they were sent in. */
  readonly latencies: LatencySample[] = [];
  readonly payLatencies: number[] = [];
  /** Accepted purchases over time, for the sell-out curve. */
  readonly sales: SaleEvent[] = [];
  readonly unitsByBuyer = new Map<number, number>();
  readonly acceptedOrders = new Set<string>();

  count(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  /** A 202: the order, its units and the buyer who holds them. */
  accept(buyer: number, orderId: string, quantity: number, t: number): void {
    this.count('accepted');
    this.acceptedOrders.add(orderId);
    this.unitsSold += quantity;
    this.sales.push({ t, units: quantity });
    this.unitsByBuyer.set(buyer, (this.unitsByBuyer.get(buyer) ?? 0) + quantity);
  }

  paidFor(quantity: number): void {
    this.unitsPaid += quantity;
    this.count('paid');
  }

  maxUnitsPerBuyer(): number {
    return maxOf(this.unitsByBuyer.values());
  }

  sortedOutcomes(): Record<string, number> {
    return Object.fromEntries([...this.outcomes.entries()].sort());
  }
}

/** The sale mechanisms' side of a run: appointments, F-codes, the waiting room. */
export class MechanicsTally {
  registrationAttempts = 0;
  readonly registrationTimes: number[] = [];
  readonly registered = new Set<number>();
  readonly fcodeHolders = new Set<number>();
  fcodesRedeemed = 0;
  /** Run seconds of every queue join, and of the pre-queue's alone. */
  readonly joinTimes: number[] = [];
  readonly preQueueJoinTimes: number[] = [];
  readonly admitted = new Set<number>();
  readonly admitTimes: number[] = [];
  readonly joinToAdmit: number[] = [];
  readonly joinToPay: number[] = [];
  /** Tickets that ended as sold out. */
  soldOutSeen = 0;
  /** Buyers who followed their ticket over server-sent events. */
  followed = 0;
  /** Streams opened again after one broke off (its instance died). */
  sseReconnects = 0;

  registeredAt(buyer: number, t: number): void {
    this.registered.add(buyer);
    this.registrationTimes.push(t);
  }

  admittedAt(buyer: number, t: number, joinedAt: number): void {
    this.admitted.add(buyer);
    this.admitTimes.push(t);
    this.joinToAdmit.push(t - joinedAt);
  }

  /** The figures of the mechanisms the sale switched on. */
  figures(on: {
    appointments: boolean;
    fcodesIssued: number;
    waitingRoom: boolean;
  }): MechanicsFigures {
    const times = this.registrationTimes;
    return {
      ...(on.appointments
        ? {
            registrations: {
              attempted: this.registrationAttempts,
              registered: this.registered.size,
              perSecond: ratePerSecond(times),
              seconds: times.length > 0 ? times[times.length - 1] - times[0] : 0,
            },
          }
        : {}),
      ...(on.fcodesIssued > 0
        ? { fcodes: { issued: on.fcodesIssued, redeemed: this.fcodesRedeemed } }
        : {}),
      ...(on.waitingRoom
        ? {
            queue: {
              joins: this.joinTimes.length,
              joinsPerSecond: ratePerSecond(this.joinTimes),
              preQueueJoins: this.preQueueJoinTimes.length,
              preQueueJoinsPerSecond: ratePerSecond(this.preQueueJoinTimes),
              admitted: this.admitTimes.length,
              admissionsPerSecond: ratePerSecond(this.admitTimes),
              joinToAdmitSeconds: secondsPercentiles(this.joinToAdmit),
              joinToPaySeconds: secondsPercentiles(this.joinToPay),
              soldOutSeen: this.soldOutSeen,
              followers: this.followed,
              sseReconnects: this.sseReconnects,
            },
          }
        : {}),
    };
  }
}

export class RunTally {
  readonly purchases = new PurchaseTally();
  readonly mechanics = new MechanicsTally();
  readonly fairness = new FairnessTally();
}
