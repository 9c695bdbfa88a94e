import { Client } from 'pg';
import type { CrowdResult } from './crowd';
import type { FaultStack } from './fault-stack';

/** One scenario's outcome: what the README's failure table and the targets are about. */
export interface FaultVerdict {
  scenario: string;
  /** Orders answered 202. */
  acknowledged: number;
  /** Acknowledged orders that never reached Postgres. */
  lost: number;
  /** Of the lost, those whose buyer gets 410 ORDER_LOST (the truth) rather than a 404. */
  lostAnsweredTruthfully: number;
  /** Buyers holding more live orders than the per-user limit (1) allows. */
  duplicated: number;
  /** Live units Postgres records beyond the stock. */
  oversold: number;
  /** Answers 500 (a bug: failures must be 503s). */
  errors5xx: number;
  /** Answers 503 and dropped connections: failing closed, retried by the buyers. */
  refused: number;
  /** From the end of the fault to the next 202, or null if none came (or no fault ended). */
  resumedAfterMs: number | null;
  drained: boolean;
  /** What a scenario's own checks found wrong (money, statuses). */
  mismatches: string[];
  notes: string;
}

/**
 * Refusals and drops, not failures: 503 (a dependency is down, retry), a dropped connection
 * (0), and the balancer's 502 and 504 for a request whose instance died under it. The apps
 * never answer 502 or 504 themselves.
 */
const DROPS = [503, 0, 502, 504];

/**
 * Waits for the pipeline to drain, then reads Postgres and asks the API about every
 * acknowledged order that Postgres lacks.
 */
export async function judge(args: {
  scenario: string;
  stack: FaultStack;
  databaseUrl: string;
  saleId: string;
  stock: number;
  crowd: CrowdResult;
  faultEndedAtMs: number | null;
  notes?: string;
  drainTimeoutMs?: number;
  /** The scenario's own checks, run on the drained database. */
  checks?: (db: Client, saleId: string) => Promise<string[]>;
}): Promise<FaultVerdict> {
  const { stack, saleId, crowd } = args;
  // A large sale takes longer to drain, the more so after a rebuild: a minute, or 1 ms a unit.
  const drain = await waitForDrain(
    stack,
    saleId,
    args.drainTimeoutMs ?? Math.max(60_000, args.stock),
  );
  const drained = drain.drained;
  const db = new Client({ connectionString: args.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{
      id: string;
      buyer_id: string;
      quantity: number;
      status: string;
    }>(`SELECT id, buyer_id, quantity, status FROM orders WHERE sale_id = $1`, [saleId]);
    const stored = new Set(rows.map((r) => r.id));
    const lostOrders = crowd.acknowledged.filter((a) => !stored.has(a.orderId));
    let truthful = 0;
    for (const order of lostOrders) {
      const answer = await stack.get(`/orders/${order.orderId}`);
      if (answer.status === 410) truthful++;
    }
    const liveByBuyer = new Map<string, number>();
    let liveUnits = 0;
    for (const row of rows) {
      if (row.status !== 'pending_payment' && row.status !== 'paid') continue;
      liveUnits += row.quantity;
      liveByBuyer.set(row.buyer_id, (liveByBuyer.get(row.buyer_id) ?? 0) + 1);
    }
    const resumed =
      args.faultEndedAtMs === null
        ? null
        : (crowd.acceptedAtMs.filter((t) => t >= args.faultEndedAtMs!).sort((a, b) => a - b)[0] ??
          null);
    return {
      scenario: args.scenario,
      acknowledged: crowd.acknowledged.length,
      lost: lostOrders.length,
      lostAnsweredTruthfully: truthful,
      duplicated: [...liveByBuyer.values()].reduce((n, c) => n + Math.max(0, c - 1), 0),
      oversold: Math.max(0, liveUnits - args.stock),
      errors5xx: Object.entries(crowd.statuses)
        .filter(([status]) => Number(status) >= 500 && !DROPS.includes(Number(status)))
        .reduce((n, [, c]) => n + c, 0),
      refused: DROPS.reduce((n, status) => n + (crowd.statuses[status] ?? 0), 0),
      resumedAfterMs:
        resumed === null || args.faultEndedAtMs === null ? null : resumed - args.faultEndedAtMs,
      drained,
      mismatches: (await args.checks?.(db, saleId)) ?? [],
      notes: [args.notes, drained ? '' : `not drained: ${drain.last}`].filter(Boolean).join('; '),
    };
  } finally {
    await db.end();
  }
}

async function waitForDrain(
  stack: FaultStack,
  saleId: string,
  timeoutMs: number,
): Promise<{ drained: boolean; last: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const stats = await stack.get(`/admin/sales/${saleId}/stats`);
    last = `${stats.status} ${JSON.stringify(stats.body)}`;
    const s = stats.body as {
      pipelineLag?: number;
      unitsPersisted?: number;
      held?: number;
      paid?: number;
    };
    if (
      stats.status === 200 &&
      s.pipelineLag === 0 &&
      s.unitsPersisted === (s.held ?? 0) + (s.paid ?? 0)
    ) {
      return { drained: true, last };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { drained: false, last };
}
