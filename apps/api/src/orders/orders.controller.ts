import { Controller, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { ApiError, ErrorCode, ErrorRow, parseUuid } from '@flash/http';
import { OrderLifecycleService, OrderView, OrdersService, TransitionOutcome } from '@flash/orders';
import { MetricsService } from '@flash/metrics';
import { PayOutcome, PaymentsService } from '@flash/payments';
import { LostOrders } from '@flash/recovery';
import { ApiAnswer, ApiErrors, EXAMPLES, TOKEN_ERRORS } from '../api-responses';
import { ORDER_REFUSALS, errorRows, refusal } from '../http-answers';

const ORDER_ERRORS: ErrorRow[] = [
  [400, [ErrorCode.InvalidRequest], 'a malformed order id'],
  ...TOKEN_ERRORS,
  [
    410,
    [ErrorCode.OrderLost],
    "accepted while the sale's Redis lost its state, and lost before Postgres had it; nothing was charged",
  ],
];

/** A payment the buyer confirms with the provider: the order, and what the browser needs. */
export type PendingPayment = OrderView & {
  payment: { provider: 'stripe'; clientSecret: string };
};

/** The HTTP answer for each way a transition or payment can end. */
export function transitionAnswer(
  outcome: Exclude<TransitionOutcome | PayOutcome, { kind: 'pending' }>,
): OrderView {
  if (outcome.kind === 'done' || outcome.kind === 'paid') return outcome.order;
  const detail = outcome.kind === 'closed' ? `the order is already ${outcome.status}` : undefined;
  throw refusal(ORDER_REFUSALS, outcome.kind, detail);
}

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class OrdersController {
  /** The naive baseline models the purchase only: its orders never enter Redis. */
  private readonly lifecycleSupported: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly orders: OrdersService,
    private readonly lifecycle: OrderLifecycleService,
    private readonly payments: PaymentsService,
    private readonly lost: LostOrders,
    private readonly metrics: MetricsService,
  ) {
    this.lifecycleSupported = config.purchaseStrategy === 'redis';
  }

  /** An order in neither store: lost with Redis (410), or never known (404). */
  private async missing(orderId: string): Promise<never> {
    const lost = await this.lost.explain(orderId);
    if (!lost) throw ApiError.notFound('no such order');
    if (lost.firstReport) this.metrics.ordersLost.inc();
    throw new ApiError(
      410,
      ErrorCode.OrderLost,
      `this order was accepted while the sale's Redis had lost its state (between ${lost.lostFrom.toISOString()} and ${lost.lostTo.toISOString()}) and was lost before it was saved: nothing was charged for it, and you may buy again`,
    );
  }

  /** The answer for a transition, telling a lost order from an unknown one. */
  private async answer(
    orderId: string,
    outcome: Exclude<TransitionOutcome | PayOutcome, { kind: 'pending' }>,
  ) {
    if (outcome.kind === 'not_found') await this.missing(orderId);
    return transitionAnswer(outcome);
  }

  private requireLifecycle(): void {
    if (!this.lifecycleSupported) {
      throw new ApiError(
        501,
        ErrorCode.NotImplemented,
        'pay and cancel are not part of the PURCHASE_STRATEGY=postgres baseline',
      );
    }
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({
    summary: "An order, as soon as its purchase has answered 202 (its buyer's or an admin's)",
  })
  @ApiAnswer(200, 'Order', EXAMPLES.order, 'the order, from Postgres or still in the pipeline')
  @ApiErrors(...ORDER_ERRORS, ...errorRows(ORDER_REFUSALS, ['declined', 'closed']))
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<OrderView> {
    const orderId = parseUuid(id, 'order id');
    const order = await this.orders.find(orderId);
    if (!order) return this.missing(orderId);
    if (principal.role !== 'admin' && order.buyerId !== principal.sub) {
      throw ApiError.forbidden("another buyer's order");
    }
    return order;
  }

  @Post(':id/pay')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: 'Pay through the payment provider; paying a paid order again charges nothing',
  })
  @ApiAnswer(200, 'Order', { ...EXAMPLES.order, status: 'paid' }, 'the order, status paid')
  @ApiErrors(...ORDER_ERRORS, ...errorRows(ORDER_REFUSALS), [
    501,
    [ErrorCode.NotImplemented],
    'under PURCHASE_STRATEGY=postgres',
  ])
  @ApiAnswer(
    202,
    'PendingPayment',
    { ...EXAMPLES.order, payment: { provider: 'stripe', clientSecret: 'pi_3Q_secret_4R' } },
    "PAYMENT_PROVIDER=stripe: the order, still pending, and the client secret that confirms its PaymentIntent in the browser; Stripe's webhook pays it",
  )
  async pay(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView | PendingPayment> {
    this.requireLifecycle();
    const orderId = parseUuid(id, 'order id');
    const outcome = await this.payments.pay(orderId, principal);
    if (outcome.kind !== 'pending') return this.answer(orderId, outcome);
    void reply.status(202);
    return {
      ...outcome.order,
      payment: { provider: 'stripe', clientSecret: outcome.clientSecret },
    };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'Cancel a pending order: its units go back on sale, once' })
  @ApiAnswer(200, 'Order', { ...EXAMPLES.order, status: 'cancelled' }, 'the order, cancelled')
  @ApiErrors(...ORDER_ERRORS, ...errorRows(ORDER_REFUSALS, ['declined']), [
    501,
    [ErrorCode.NotImplemented],
    'under PURCHASE_STRATEGY=postgres',
  ])
  async cancel(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderView> {
    this.requireLifecycle();
    const orderId = parseUuid(id, 'order id');
    return this.answer(orderId, await this.lifecycle.cancel(orderId, principal));
  }
}
