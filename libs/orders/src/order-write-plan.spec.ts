import { randomUUID } from 'node:crypto';
import type { AcceptedOrder } from './order-job';
import { SaleUnits, StoredOrder, planWrite } from './order-write-plan';

const SALE = 'sale-a';

function order(overrides: Partial<AcceptedOrder> = {}): AcceptedOrder {
  return {
    orderId: randomUUID(),
    saleId: SALE,
    buyerId: 'b',
    quantity: 1,
    createdAtMs: 1_000,
    expiresAtMs: 61_000,
    status: 'pending_payment',
    ...overrides,
  };
}

const sales = (stock: number, liveUnits: number) =>
  new Map<string, SaleUnits>([[SALE, { stock, liveUnits }]]);

describe('planWrite (Postgres as the last guard)', () => {
  it('admits new orders while the stock lasts and rejects the rest, first accepted first', () => {
    const late = order({ createdAtMs: 3_000 });
    const early = order({ createdAtMs: 1_000, quantity: 2 });
    const middle = order({ createdAtMs: 2_000 });
    const plan = planWrite([late, early, middle], new Map(), sales(10, 7));
    expect(plan.liveDelta.get(SALE)).toBe(3);
    expect(plan.rejected.map((o) => o.orderId)).toEqual([late.orderId]);
    const statusById = new Map(plan.rows.map((r) => [r.orderId, r.status]));
    expect(statusById.get(early.orderId)).toBe('pending_payment');
    expect(statusById.get(middle.orderId)).toBe('pending_payment');
    expect(statusById.get(late.orderId)).toBe('rejected');
  });

  it('counts a paid order that overtook its acceptance as live', () => {
    const plan = planWrite([order({ status: 'paid', quantity: 2 })], new Map(), sales(1, 0));
    expect(plan.rejected).toHaveLength(1);
    expect(plan.liveDelta.get(SALE) ?? 0).toBe(0);
  });

  it('frees the units of a cancellation in the same batch before admitting new orders', () => {
    const held = order({ quantity: 2 });
    const stored = new Map<string, StoredOrder>([
      [held.orderId, { status: 'pending_payment', quantity: 2 }],
    ]);
    const newcomer = order({ quantity: 2 });
    const plan = planWrite([newcomer, { ...held, status: 'cancelled' }], stored, sales(5, 5));
    expect(plan.rejected).toEqual([]);
    expect(plan.liveDelta.get(SALE)).toBe(0);
  });

  it('leaves closed rows alone and changes no count for a payment', () => {
    const paid = order();
    const expired = order();
    const pending = order();
    const stored = new Map<string, StoredOrder>([
      [paid.orderId, { status: 'paid', quantity: 1 }],
      [expired.orderId, { status: 'expired', quantity: 1 }],
      [pending.orderId, { status: 'pending_payment', quantity: 1 }],
    ]);
    const plan = planWrite(
      [
        { ...paid, status: 'cancelled' },
        { ...expired, status: 'paid' },
        { ...pending, status: 'paid' },
        pending,
      ],
      stored,
      sales(3, 3),
    );
    expect(plan.rows.map((r) => [r.orderId, r.status])).toEqual([[pending.orderId, 'paid']]);
    expect(plan.liveDelta.get(SALE) ?? 0).toBe(0);
  });

  it('writes an order that arrives already closed without counting it', () => {
    const plan = planWrite([order({ status: 'expired' })], new Map(), sales(1, 1));
    expect(plan.rows).toHaveLength(1);
    expect(plan.rejected).toEqual([]);
    expect(plan.liveDelta.get(SALE) ?? 0).toBe(0);
  });

  it('reports a payment that Redis recorded for an order Postgres had rejected', () => {
    const rejected = order();
    const stored = new Map<string, StoredOrder>([
      [rejected.orderId, { status: 'rejected', quantity: 1 }],
    ]);
    const plan = planWrite([{ ...rejected, status: 'paid' }], stored, sales(1, 1));
    expect(plan.rows).toEqual([]);
    expect(plan.paidAfterRejection.map((o) => o.orderId)).toEqual([rejected.orderId]);
  });

  it('announces a stored rejection again when its acceptance is delivered again', () => {
    const rejected = order();
    const stored = new Map<string, StoredOrder>([
      [rejected.orderId, { status: 'rejected', quantity: 1 }],
    ]);
    const plan = planWrite([rejected], stored, sales(1, 1));
    expect(plan.rows).toEqual([]);
    expect(plan.rejected.map((o) => o.orderId)).toEqual([rejected.orderId]);
  });

  it("fills in the key and number of an acceptance that arrives after its order's transition", () => {
    const paid = order({ status: 'paid' });
    const stored = new Map<string, StoredOrder>([
      [paid.orderId, { status: 'paid', quantity: 1, hasKey: false, hasSeq: false }],
    ]);
    const acceptance = {
      ...paid,
      status: 'pending_payment' as const,
      idempotencyKey: 'k',
      acceptanceSeq: 3,
    };
    const plan = planWrite([acceptance], stored, sales(1, 1));
    expect(plan.rows).toEqual([{ ...acceptance, status: 'paid' }]);
    expect(plan.liveDelta.get(SALE) ?? 0).toBe(0);
    const complete = new Map<string, StoredOrder>([
      [paid.orderId, { status: 'paid', quantity: 1, hasKey: true, hasSeq: true }],
    ]);
    expect(planWrite([acceptance], complete, sales(1, 1)).rows).toEqual([]);
  });

  it('refuses a batch for a sale it does not know', () => {
    expect(() => planWrite([order({ saleId: 'nope' })], new Map(), sales(1, 0))).toThrow(
      /unknown sale/,
    );
  });
});
