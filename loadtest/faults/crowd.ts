import { Pool } from 'undici';
import { mintToken } from '../bench/bench-support';

/** An order its buyer was told about with a 202. */
export interface Acknowledged {
  orderId: string;
  buyerId: string;
  key: string;
  atMs: number;
}

export interface CrowdOptions {
  baseUrl: string;
  saleId: string;
  jwtSecret: string;
  /** Distinct buyers, each buying once (the sale's per-user limit is 1). */
  buyers: number;
  concurrency: number;
  /** Share of acknowledged orders the buyer pays at once. */
  payShare: number;
  /**
   * Races every order's transitions instead: a third of the buyers pay and cancel at the same
   * moment, a third let the order expire, a third pay just before the deadline.
   */
  raceLifecycle?: { paymentWindowMs: number };
  /** New buyers arrive at this rate, so a sale lasts long enough for a fault to hit it. */
  arrivalsPerSecond: number;
  /** Stops offering load at this time (ms since the epoch), whatever happened. */
  untilMs: number;
}

/** What the crowd saw, answer by answer. */
export interface CrowdResult {
  acknowledged: Acknowledged[];
  /** Answers by HTTP status (0: the connection failed). */
  statuses: Record<number, number>;
  /** When the request of every 202 was sent, to tell when purchases resumed after a fault. */
  acceptedAtMs: number[];
  soldOut: boolean;
}

/**
 * Buyers racing for a sale, as real clients do when things break: each purchase carries an
 * Idempotency-Key, and a 503 or a dropped connection is retried with the same key until the
 * buyer gets an answer or the run ends. Bounded in count (one purchase per buyer) and time.
 */
export function startCrowd(o: CrowdOptions): { result: CrowdResult; done: Promise<CrowdResult> } {
  const result: CrowdResult = { acknowledged: [], statuses: {}, acceptedAtMs: [], soldOut: false };
  return { result, done: runCrowd(o, result) };
}

async function runCrowd(o: CrowdOptions, result: CrowdResult): Promise<CrowdResult> {
  const startedMs = Date.now();
  const http = new Pool(o.baseUrl, { connections: o.concurrency, headersTimeout: 10_000 });
  let next = 0;
  const seen = new Set<string>();
  const count = (status: number) => (result.statuses[status] = (result.statuses[status] ?? 0) + 1);
  const request = async (method: 'GET' | 'POST', path: string, token: string, key?: string) => {
    try {
      const res = await http.request({
        method,
        path,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: method === 'POST' ? '{}' : undefined,
      });
      const body = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
      count(res.statusCode);
      return { status: res.statusCode, body };
    } catch {
      count(0);
      return { status: 0, body: {} };
    }
  };
  const race = async (i: number, orderId: string, token: string, windowMs: number) => {
    if (i % 3 === 0) {
      await Promise.all([
        request('POST', `/orders/${orderId}/pay`, token),
        request('POST', `/orders/${orderId}/cancel`, token),
      ]);
    } else if (i % 3 === 2) {
      await sleep(Math.max(0, windowMs - 50));
      await request('POST', `/orders/${orderId}/pay`, token);
    }
  };
  const buyer = async (i: number) => {
    const buyerId = `fault-buyer-${i}`;
    const key = `k-${i}`;
    const token = mintToken(buyerId, o.jwtSecret);
    while (Date.now() < o.untilMs && !result.soldOut) {
      const sentMs = Date.now();
      const answer = await request('POST', `/sales/${o.saleId}/purchase`, token, key);
      if (answer.status === 202) {
        const orderId = String(answer.body.orderId);
        const atMs = Date.now();
        result.acceptedAtMs.push(sentMs);
        if (!seen.has(orderId)) {
          seen.add(orderId);
          result.acknowledged.push({ orderId, buyerId, key, atMs });
        }
        if (o.raceLifecycle) {
          await race(i, orderId, token, o.raceLifecycle.paymentWindowMs);
          return;
        }
        if ((i % 100) / 100 < o.payShare) {
          for (let tries = 0; tries < 20 && Date.now() < o.untilMs; tries++) {
            const paid = await request('POST', `/orders/${orderId}/pay`, token);
            if (paid.status === 200 || (paid.status >= 400 && paid.status < 500)) break;
            await sleep(200);
          }
        }
        return;
      }
      if (answer.status === 409 && (answer.body.error as { code?: string })?.code === 'SOLD_OUT') {
        result.soldOut = true;
        return;
      }
      if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) return;
      await sleep(answer.status === 429 ? 250 : 100);
    }
  };
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.buyers && Date.now() < o.untilMs && !result.soldOut) {
        const i = next++;
        const arrival = startedMs + (i * 1000) / o.arrivalsPerSecond;
        if (arrival > Date.now()) await sleep(arrival - Date.now());
        await buyer(i);
      }
    }),
  );
  await http.close();
  return result;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
