import { setTimeout as sleep } from 'node:timers/promises';
import { pollDelaySeconds, ticketIsFinal } from '../model/buyer-roles.js';
import { BuyerFlows, errorCode } from './buyer-flows';
import { MAX_FOLLOWERS, SaleRun } from './run-setup';
import { readEvents } from './server-sent-events';

interface Ticket {
  status: string;
  position: number | null;
  estimatedWaitSeconds: number | null;
  admissionToken?: string;
}

/** A ticket's reading: the admission token, null when the wait is over in vain, else undefined. */
type Reading = string | null | undefined;

/** Streams opened again after one broke off, before the follower falls back to polling. */
const SSE_RECONNECTS = 3;

/**
 * A buyer in a sale with a waiting room: the ticket, the wait (polled, or followed over
 * server-sent events), then the purchase with the admission.
 */
export class QueueFlows {
  private readonly queuePath: string;
  /** Buyers following their ticket over SSE right now. */
  private following = 0;

  constructor(
    private readonly run: SaleRun,
    private readonly buyers: BuyerFlows,
  ) {
    this.queuePath = `/sales/${run.saleId}/queue`;
  }

  /**
   * Ticket, admission, purchase. Pre-queue buyers have already joined (`joined`, maybe in
   * vain); the rest join on arrival.
   */
  async queuedBuyer(
    i: number,
    joined?: { at: number | null },
    proof?: Record<string, string>,
  ): Promise<void> {
    const at = joined ? joined.at : await this.join(i, proof);
    if (at === null) return;
    const token = await this.admission(i, at, this.run.roles?.[i].follows ?? false);
    if (token) await this.buyers.buy(i, { admission: token, joinedAt: at });
  }

  /**
   * Takes a ticket, asking again while the line has not opened (a line without a
   * pre-queue). Under proof of work each try spends a solution, and a person first waits
   * what their browser takes to find one; a bot may come with its solution `prepared`.
   * Returns the run second it was taken, or null.
   */
  async join(i: number, prepared?: Record<string, string>): Promise<number | null> {
    const style = this.buyers.styleOf(i);
    const cohort = this.run.cohort;
    for (let tries = 0; !this.run.clock.expired(); tries++) {
      const proof = tries === 0 && prepared ? prepared : await this.buyers.proofOfWork(i);
      if (!proof) return null;
      if (cohort && !cohort.isBot(i) && tries === 0 && this.run.opts.proofOfWork) {
        await sleep(cohort.personSolveSeconds(i, tries) * 1000);
      }
      const res = await this.buyers.request(i, 'POST', this.queuePath, 'queue', proof);
      if (!res) return null;
      if (res.status === 201 || res.status === 200) {
        const at = this.run.clock.since();
        this.run.tally.mechanics.joinTimes.push(at);
        return at;
      }
      const code = errorCode(res);
      this.run.tally.purchases.count(`join_${code}`);
      if (code !== 'NOT_STARTED') return null;
      await sleep(style.notStartedMs());
    }
    return null;
  }

  /** Polls the ticket (or follows it over SSE) until admitted; returns the token, or null. */
  private async admission(i: number, joinedAt: number, follows: boolean): Promise<string | null> {
    const take = (ticket: Ticket): Reading => this.read(i, joinedAt, ticket);
    if (follows && this.following < MAX_FOLLOWERS) {
      this.following++;
      this.run.tally.mechanics.followed++;
      try {
        const token = await this.follow(i, take);
        if (token !== undefined) return token;
      } finally {
        this.following--;
      }
    }
    while (!this.run.clock.expired()) {
      const res = await this.buyers.request(i, 'GET', this.queuePath, 'queue');
      if (!res || res.status !== 200) {
        if (res) this.run.tally.purchases.count(`poll_${errorCode(res)}`);
        return null;
      }
      const ticket = JSON.parse(res.body.toString()) as Ticket;
      const done = take(ticket);
      if (done !== undefined) return done;
      await sleep(pollDelaySeconds(ticket.estimatedWaitSeconds) * 1000);
    }
    return null;
  }

  private read(i: number, joinedAt: number, ticket: Ticket): Reading {
    const { mechanics, purchases } = this.run.tally;
    if (ticket.status === 'admitted' && ticket.admissionToken) {
      mechanics.admittedAt(i, this.run.clock.since(), joinedAt);
      this.run.tally.fairness.admitted(i, this.run.clock.since());
      return ticket.admissionToken;
    }
    if (ticket.status === 'sold_out') mechanics.soldOutSeen++;
    if (ticketIsFinal(ticket.status)) {
      purchases.count(`queue_${ticket.status}`);
      return null;
    }
    return undefined;
  }

  /**
   * Server-sent events until the ticket is final. A stream that breaks off (its instance
   * died) is opened again, through the balancer to another instance, whose first event is
   * the whole ticket. Undefined if it kept breaking off.
   */
  private async follow(i: number, take: (ticket: Ticket) => Reading): Promise<Reading> {
    for (let streams = 0; streams <= SSE_RECONNECTS && !this.run.clock.expired(); streams++) {
      if (streams > 0) {
        this.run.tally.mechanics.sseReconnects++;
        await sleep(250 * streams);
      }
      const reading = await this.stream(i, take);
      if (reading !== undefined) return reading;
    }
    return undefined;
  }

  /** One stream of the ticket's events; undefined if it ended before the ticket was final. */
  private async stream(i: number, take: (ticket: Ticket) => Reading): Promise<Reading> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.run.clock.untilLimitMs());
    try {
      const res = await this.run.net.sse.request({
        method: 'GET',
        path: `${this.queuePath}/events`,
        headers: { authorization: this.run.tokens[i] },
        signal: abort.signal,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      let result: Reading;
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
}
