import { setTimeout as sleep } from 'node:timers/promises';
import { solveChallenge } from '@flash/bot-defence/proof-of-work';
import { RawHttpConnection, RawResponse, rawRequest } from '../bench/raw-http';
import { personNotStartedWaitMs } from '../model/bot-cohort.js';
import { buyerBehaviour, payDelaySeconds } from '../model/buyer-roles.js';
import { errorCodeOf } from '../model/error-code.js';
import { seededRandom } from '../model/prng.js';
import type { BuyerDraws } from '../model/types';
import type { SaleRun } from './run-setup';

/** Malformed purchases, sent on purpose by a share of the buyers: each must get a 4xx. */
const BAD_BODIES = [
  '{"quantity":0}',
  '{"quantity":"1"}',
  '{"quantity":',
  '{"quantity":1,"admin":true}',
];

type RequestKind = 'purchase' | 'pay' | 'register' | 'queue' | 'challenge';

/**
 * What a load balancer answers when the instance it chose died holding the request: the
 * outcome is unknown, since the instance may have bought before it went.
 */
const DROPPED = new Set([502, 504]);
/** Sends of one request after a drop or a network error, before the buyer gives up. */
const MAX_DROPS = 5;

/** What lets a buyer past the sale's gates: an admission from the queue, or an F-code. */
export interface BuyerGate {
  admission?: string;
  fcode?: string;
  /** Run second of the queue join, for the join-to-payment figure. */
  joinedAt?: number;
}

/**
 * How a buyer goes about it: people follow the scenario's behaviour; a bot sends nothing
 * malformed, fires again at once while the sale has not opened, and keeps trying.
 */
export interface BuyerStyle {
  draws: BuyerDraws;
  /** How long to wait after NOT_STARTED, ms. */
  notStartedMs: () => number;
  /** How long to wait before a retry after another refusal, ms. */
  retryMs: () => number;
}

/** A bot's tries after refusals other than NOT_STARTED: it stops at a final answer. */
const BOT_RETRIES = 50;

/** The error code of a refusal, or the status when the body has none. */
export function errorCode(res: RawResponse): string {
  return errorCodeOf(res.status, res.body.toString());
}

/**
 * One buyer's requests over the run's pooled connections: the purchase with its bad
 * requests, replays and retries, then the payment, and the appointment before the sale.
 * Everything it sees goes into the run's tally.
 */
export class BuyerFlows {
  private readonly purchasePath: string;

  constructor(private readonly run: SaleRun) {
    this.purchasePath = `/sales/${run.saleId}/purchase`;
  }

  /** One exchange on a pooled connection; waits between exchanges hold no connection. */
  async exchange<T>(work: (c: RawHttpConnection) => Promise<T>): Promise<T> {
    const connection = await this.run.net.buyers.acquire();
    try {
      return await work(connection);
    } finally {
      this.run.net.buyers.release(connection);
    }
  }

  /** Sends one request, timing purchases and payments; null on a network error. */
  async send(
    connection: RawHttpConnection,
    request: string,
    kind: RequestKind = 'purchase',
  ): Promise<RawResponse | null> {
    const { purchases } = this.run.tally;
    const t0 = performance.now();
    purchases.attempts++;
    try {
      const res = await connection.send(request);
      const ms = performance.now() - t0;
      if (kind === 'pay') purchases.payLatencies.push(ms);
      else if (kind === 'purchase') purchases.latencies.push({ t: this.run.clock.since(), ms });
      return res;
    } catch {
      purchases.count('network_error');
      return null;
    }
  }

  /**
   * One request on a pooled connection, with the buyer's token; sent again after a drop.
   * Every request sent this way is idempotent: a registration, a queue join, a ticket, a payment.
   */
  request(
    buyer: number,
    method: 'GET' | 'POST',
    path: string,
    kind: RequestKind,
    extra: Record<string, string> = {},
  ): Promise<RawResponse | null> {
    const headers = { Authorization: this.run.tokens[buyer], ...extra };
    return this.surviving(buyer, () =>
      this.exchange((c) => {
        if (kind === 'queue' && method === 'POST') this.arrives(buyer);
        return this.send(c, rawRequest(method, path, this.run.net.host, headers), kind);
      }),
    );
  }

  /** The buyer's one-way latency to the shop, ms (0 in a crowd without a bot cohort). */
  latencyMs(buyer: number): number {
    return this.run.cohort?.role(buyer).latencyMs ?? 0;
  }

  /** How this buyer behaves: the scenario's people, or a bot. */
  styleOf(i: number): BuyerStyle {
    const { behaviour } = this.run.scenario;
    const cohort = this.run.cohort;
    if (cohort?.isBot(i)) {
      const random = seededRandom(i + 1);
      // Jittered, as a fleet's timers are: bots firing in lock-step would all miss together.
      const refire = () => cohort.bots.refireMs * (0.5 + random());
      return {
        draws: { random, bad: false, replays: false, retries: BOT_RETRIES, pays: true },
        notStartedMs: refire,
        retryMs: refire,
      };
    }
    const draws = buyerBehaviour(i, behaviour);
    // A person in a crowd with bots clicks a moment after the countdown ends, not on it.
    const reaction = cohort?.role(i).reactionMs ?? 0;
    return {
      draws,
      notStartedMs: () => personNotStartedWaitMs(this.run.clock.untilOpeningMs(), reaction),
      retryMs: () => behaviour.retryDelaySeconds * 1000 * (0.5 + draws.random()),
    };
  }

  /**
   * A solved challenge for the buyer's next registration or queue join: {} when the sale asks
   * for none, null when none could be had. Bots that do not solve send none.
   */
  async proofOfWork(i: number): Promise<Record<string, string> | null> {
    const pow = this.run.opts.proofOfWork;
    if (!pow || (this.run.cohort?.isBot(i) && !this.run.cohort.bots.solvesProofOfWork)) return {};
    const res = await this.request(i, 'POST', `/sales/${this.run.saleId}/challenge`, 'challenge');
    if (res?.status !== 201) {
      this.run.tally.purchases.count(`challenge_${res ? errorCode(res) : 'error'}`);
      return null;
    }
    const { challenge } = JSON.parse(res.body.toString()) as { challenge: string };
    this.run.tally.purchases.count('challenge_solved');
    return { 'Proof-Of-Work': `${challenge}:${solveChallenge(challenge, pow.serverDifficulty)}` };
  }

  /**
   * Notes when the buyer's first join or purchase leaves for the shop: its latency was waited
   * before, so this is when the shop gets it. Only the first counts.
   */
  private arrives(i: number): void {
    this.run.tally.fairness.arrived(i, this.run.clock.since());
  }

  /**
   * Sends a request again, unchanged, after a network error or a balancer's 502/504: the
   * instance that took it may have acted before it died, and the same request (the same
   * Idempotency-Key) finds what it did instead of doing it twice. Null if every send failed.
   */
  private async surviving(
    buyer: number,
    send: () => Promise<RawResponse | null>,
  ): Promise<RawResponse | null> {
    const latency = this.latencyMs(buyer);
    for (let drops = 1; ; drops++) {
      // The way there and back: it holds no connection of the driver's.
      if (latency > 0) await sleep(latency);
      const res = await send();
      if (latency > 0) await sleep(latency);
      if (res && !DROPPED.has(res.status)) return res;
      if (res) this.run.tally.purchases.count(`dropped_${res.status}`);
      if (drops >= MAX_DROPS || this.run.clock.expired()) return null;
      await sleep(100 * drops);
    }
  }

  /** One buyer of the crowd: the purchase (with an admission or an F-code, where given). */
  async buy(i: number, gate: BuyerGate = {}): Promise<void> {
    const style = this.styleOf(i);
    const { draws } = style;
    const headers: Record<string, string> = {
      Authorization: this.run.tokens[i],
      'Content-Type': 'application/json',
    };
    if (gate.admission) headers['Admission-Token'] = gate.admission;
    if (draws.bad) await this.sendBad(i, headers);
    const body = gate.fcode ? JSON.stringify({ fcode: gate.fcode }) : '{"quantity":1}';
    for (let attempt = 0, retried = 0; !this.run.clock.expired(); attempt++) {
      const request = rawRequest(
        'POST',
        this.purchasePath,
        this.run.net.host,
        { ...headers, 'Idempotency-Key': `b${i}-${attempt}` },
        body,
      );
      const answer = await this.surviving(i, () =>
        this.exchange((c) => {
          this.arrives(i);
          return this.attempt(c, request, draws.replays);
        }),
      );
      if (!answer) return;
      if (answer.status === 202) {
        this.won(i, answer, gate, draws);
        return;
      }
      const code = errorCode(answer);
      this.run.tally.purchases.count(code);
      if (code === 'NOT_STARTED') {
        await sleep(style.notStartedMs());
        continue;
      }
      if (code === 'SOLD_OUT' && this.run.cohort?.isBot(i)) return;
      if (retried >= draws.retries) return;
      retried++;
      await sleep(style.retryMs());
    }
  }

  /** Appointments: one registration, as the buyer made it days before the sale. */
  async register(i: number): Promise<void> {
    const { mechanics } = this.run.tally;
    mechanics.registrationAttempts++;
    const proof = await this.proofOfWork(i);
    if (!proof) return;
    const path = `/sales/${this.run.saleId}/registration`;
    const res = await this.request(i, 'POST', path, 'register', proof);
    if (res?.status === 201 || res?.status === 200)
      mechanics.registeredAt(i, this.run.clock.since());
    else if (res) this.run.tally.purchases.count(`register_${errorCode(res)}`);
  }

  private async sendBad(i: number, headers: Record<string, string>): Promise<void> {
    const body = BAD_BODIES[i % BAD_BODIES.length];
    const res = await this.exchange((c) =>
      this.send(c, rawRequest('POST', this.purchasePath, this.run.net.host, headers, body)),
    );
    if (res && res.status >= 400 && res.status < 500)
      this.run.tally.purchases.count('bad_request_refused');
    else if (res) this.run.tally.purchases.badAccepted++;
  }

  /** One attempt, sent again at once by a replaying buyer, as a client that timed out would. */
  private async attempt(
    c: RawHttpConnection,
    request: string,
    replays: boolean,
  ): Promise<RawResponse | null> {
    const first = await this.send(c, request);
    if (!first || !replays) return first;
    const again = await this.send(c, request);
    if (
      first.status === 202 &&
      again?.status === 202 &&
      again.body.toString() !== first.body.toString()
    ) {
      this.run.tally.purchases.replayMismatches++;
    }
    return again?.status === 202 ? again : first;
  }

  private won(i: number, answer: RawResponse, gate: BuyerGate, draws: BuyerDraws): void {
    const { tally, sale, clock, opts, scenario } = this.run;
    const order = JSON.parse(answer.body.toString()) as { orderId: string; quantity: number };
    tally.purchases.accept(i, order.orderId, order.quantity, clock.since());
    tally.fairness.won(i, clock.since());
    if (tally.purchases.unitsSold >= sale.units) {
      this.run.cpu.stop(tally.purchases.unitsSold);
      this.run.persistence.soldOut();
    }
    if (gate.fcode) tally.mechanics.fcodesRedeemed++;
    if (!draws.pays) return;
    // Buyers pay a while after winning, off the connection and outside the in-flight cap.
    const delay = payDelaySeconds(
      scenario.behaviour,
      draws.random,
      sale.payDelayCompression,
      opts.timeScale,
    );
    this.run.work.pay(this.pay(i, order.orderId, delay * 1000, gate.joinedAt));
  }

  private async pay(i: number, orderId: string, delayMs: number, joinedAt?: number): Promise<void> {
    const { clock, tally } = this.run;
    // Never past the run's limit: a payer still waiting then simply does not pay.
    await sleep(Math.min(delayMs, clock.untilLimitMs()));
    if (clock.expired()) {
      tally.purchases.count('pay_not_sent');
      return;
    }
    const payment = await this.request(i, 'POST', `/orders/${orderId}/pay`, 'pay');
    if (payment?.status !== 200) {
      tally.purchases.count(`pay_${payment?.status ?? 'error'}`);
      return;
    }
    const { quantity } = JSON.parse(payment.body.toString()) as { quantity: number };
    tally.purchases.paidFor(quantity);
    if (joinedAt !== undefined) tally.mechanics.joinToPay.push(clock.since() - joinedAt);
  }
}
