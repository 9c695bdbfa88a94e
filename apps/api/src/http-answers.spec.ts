import 'reflect-metadata';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import { DOMAIN_ERROR_KINDS } from '@flash/errors';
import { ErrorCode, toErrorAnswer } from '@flash/http';
import type { SaleAttempts } from '@flash/live';
import type { MetricsService } from '@flash/metrics';
import type { PurchaseOutcome, PurchaseStrategy, SalesService } from '@flash/sales';
import type { WaitingRoomService } from '@flash/waiting-room';
import {
  DOMAIN_ERROR_ANSWERS,
  CHALLENGE_REFUSALS,
  FCODE_REFUSALS,
  GATE_REFUSALS,
  HTTP_ANSWERS,
  STREAM_REFUSALS,
  HttpAnswer,
  ORDER_REFUSALS,
  PURCHASE_REFUSALS,
  QUEUE_JOIN_REFUSALS,
  QUEUE_TICKET_REFUSALS,
  REBUILD_REFUSALS,
  REGISTRATION_REFUSALS,
  errorRows,
  refusal,
} from './http-answers';
import { STREAM_LIMIT_ERRORS } from './api-responses';
import { AppointmentsController } from './mechanics/appointments.controller';
import { FcodesController } from './mechanics/fcodes.controller';
import { ProofOfWorkController } from './mechanics/proof-of-work.controller';
import { WaitingRoomController } from './mechanics/waiting-room.controller';
import { OrdersController } from './orders/orders.controller';
import { AdminSalesController } from './sales/admin-sales.controller';
import { SalesController } from './sales/sales.controller';

/** The OpenAPI responses a route's decorators declared, by status. */
const documented = (method: object) =>
  Reflect.getMetadata(DECORATORS.API_RESPONSE, method) as Record<string, { description: string }>;

const SALE = '0b6f3c1e-8a7d-4a53-9f0e-3c8d1f2a4b5c';

/** The purchase handler, run in process with the outcome given, as a client would see it. */
async function answerTo(outcome: PurchaseOutcome) {
  const sent = { status: 0, headers: {} as Record<string, string> };
  const reply = {
    status: (s: number) => ((sent.status = s), reply),
    header: (name: string, value: string) => ((sent.headers[name] = value), reply),
  };
  const counter = { inc: () => undefined, observe: () => undefined };
  const metrics = {
    purchaseOutcomes: { labels: () => counter },
    purchaseDuration: { labels: () => counter },
  } as unknown as MetricsService;
  const strategy = { purchase: () => Promise.resolve(outcome) } as unknown as PurchaseStrategy;
  const controller = new SalesController(
    {} as SalesService,
    strategy,
    metrics,
    {} as WaitingRoomService,
    { count: () => undefined } as unknown as SaleAttempts,
  );
  const req = {
    params: { id: SALE },
    body: undefined,
    headers: {},
    principal: { sub: 'b1', role: 'buyer' },
  };
  const body = await controller.purchase(req as never, reply as never);
  return { ...sent, body };
}

describe("the API's outcome-to-HTTP table", () => {
  it.each(Object.entries(PURCHASE_REFUSALS))(
    '%s: the handler answers its row, in the error envelope',
    async (kind, row) => {
      const outcome = (
        kind === 'rate_limited'
          ? { kind, retryAfterSeconds: 3 }
          : kind === 'sold_out'
            ? { kind, fromMemory: false }
            : { kind }
      ) as PurchaseOutcome;
      const answer = await answerTo(outcome);
      expect(answer.status).toBe(row.status);
      expect(answer.body).toEqual({ error: { code: row.code, message: row.message } });
      if (row.status === 503) expect(answer.headers['Retry-After']).toBe('1');
      if (kind === 'rate_limited') expect(answer.headers['Retry-After']).toBe('3');
    },
  );

  it('answers an acceptance 202 with the order', async () => {
    const answer = await answerTo({
      kind: 'accepted',
      orderId: 'o1',
      quantity: 2,
      replayed: false,
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      orderId: 'o1',
      saleId: SALE,
      quantity: 2,
      status: 'pending_payment',
    });
  });

  const routes: [string, object, Record<string, HttpAnswer>, string[]][] = [
    ['purchase', SalesController.prototype.purchase, PURCHASE_REFUSALS, []],
    ['register', AppointmentsController.prototype.register, REGISTRATION_REFUSALS, []],
    ['join the queue', WaitingRoomController.prototype.join, QUEUE_JOIN_REFUSALS, []],
    ['read a ticket', WaitingRoomController.prototype.ticket, QUEUE_TICKET_REFUSALS, []],
    ['issue F-codes', FcodesController.prototype.generate, FCODE_REFUSALS, []],
    ['pay', OrdersController.prototype.pay, ORDER_REFUSALS, []],
    ['cancel', OrdersController.prototype.cancel, ORDER_REFUSALS, ['declined']],
    ['rebuild', AdminSalesController.prototype.rebuild, REBUILD_REFUSALS, []],
    ['register (the gate)', AppointmentsController.prototype.register, GATE_REFUSALS, []],
    ['join the queue (the gate)', WaitingRoomController.prototype.join, GATE_REFUSALS, []],
    ['ask for a challenge', ProofOfWorkController.prototype.challenge, CHALLENGE_REFUSALS, []],
  ];

  it.each(routes)(
    '%s: every row of its table is in the OpenAPI responses',
    (_, method, table, except) => {
      const responses = documented(method);
      for (const [kind, row] of Object.entries(table)) {
        if (except.includes(kind)) continue;
        expect(responses[String(row.status)]?.description).toContain(row.code);
        expect(responses[String(row.status)]?.description).toContain(row.message);
      }
    },
  );

  it.each(Object.entries(HTTP_ANSWERS).filter(([name]) => name !== 'errors'))(
    '%s: every row is an error in the contract, thrown with its status',
    (_, table) => {
      for (const [kind, row] of Object.entries(table as Record<string, HttpAnswer>)) {
        expect(row.status).toBeGreaterThanOrEqual(400);
        const error = refusal(table as Record<string, HttpAnswer>, kind);
        expect([error.status, error.code, error.message]).toEqual([
          row.status,
          row.code,
          row.message,
        ]);
        // What the client sees: the error filter's answer, with the Retry-After rule applied.
        const answer = toErrorAnswer(error, DOMAIN_ERROR_ANSWERS);
        if (row.status === 503) expect(answer.retryAfterSeconds).toBeGreaterThan(0);
      }
    },
  );

  it("documents the event streams' refusals with the statuses and codes they are answered with", () => {
    expect(STREAM_LIMIT_ERRORS.map(([status, codes]) => [status, codes])).toEqual(
      Object.values(STREAM_REFUSALS).map((row) => [row.status, [row.code]]),
    );
  });

  it('tells a busy rebuild to come back later than a plain outage', () => {
    expect(refusal(REBUILD_REFUSALS, 'busy').retryAfterSeconds).toBe(5);
    expect(refusal(ORDER_REFUSALS, 'closed', 'the order is already paid').message).toBe(
      'the order is already paid',
    );
  });

  it('groups a table into one OpenAPI row per status', () => {
    const rows = errorRows(PURCHASE_REFUSALS);
    expect(rows.map(([status]) => status)).toEqual([403, 404, 409, 429, 503]);
    const conflict = rows.find(([status]) => status === 409);
    expect(conflict?.[1]).toEqual([
      ErrorCode.SoldOut,
      ErrorCode.LimitReached,
      ErrorCode.NotStarted,
      ErrorCode.Ended,
      ErrorCode.FcodeInvalid,
    ]);
  });

  it('maps every kind of error a lib can throw', () => {
    expect(Object.keys(DOMAIN_ERROR_ANSWERS).sort()).toEqual([...DOMAIN_ERROR_KINDS].sort());
    for (const answer of Object.values(DOMAIN_ERROR_ANSWERS)) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(Object.values(ErrorCode)).toContain(answer.code);
    }
  });
});
