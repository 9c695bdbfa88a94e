import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { ApiError, ErrorCode, parseUuid } from '@flash/http';
import { OrderLifecycleService, OrderView, OrdersService, TransitionOutcome } from '@flash/orders';
import { MetricsService } from '@flash/metrics';
import { PayOutcome, PaymentsService } from '@flash/payments';
import { LostOrders } from '@flash/recovery';
import { ApiAnswer, ApiErrors, EXAMPLES, TOKEN_ERRORS } from '../api-responses';

const ORDER_ERRORS: [number, ErrorCode[], string][] = [
  [400, [ErrorCode.InvalidRequest], 'a malformed order id'],
  ...TOKEN_ERRORS,
  [403, [ErrorCode.Forbidden], "another buyer's order"],
  [404, [ErrorCode.NotFound], 'no such order'],
  [
    410,
    [ErrorCode.OrderLost],
    "accepted while the sale's Redis lost its state, and lost before Postgres had it; nothing was charged",
  ],
];

/** The HTTP answer for each way a transition or payment can end. */
export function transitionAnswer(outcome: TransitionOutcome | PayOutcome): OrderView {
  switch (outcome.kind) {
    case 'done':
    case 'paid':
      return outcome.order;
    case 'declined':
      throw new ApiError(
        402,
        ErrorCode.PaymentDeclined,
        'the payment was declined; nothing was charged',
      );
    case 'closed':
      throw new ApiError(409, ErrorCode.OrderClosed, `the order is already ${outcome.status}`);
    case 'not_found':
      throw ApiError.notFound('no such order');
    case 'forbidden':
      throw ApiError.forbidden("another buyer's order");
    case 'unavailable':
      throw ApiError.unavailable('a dependency is unavailable; nothing was changed or charged');
  }
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
  private async answer(orderId: string, outcome: TransitionOutcome | PayOutcome) {
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
  @ApiErrors(...ORDER_ERRORS, [503, [ErrorCode.Unavailable], 'Redis or Postgres is down'])
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
  @ApiErrors(
    ...ORDER_ERRORS,
    [402, [ErrorCode.PaymentDeclined], 'the provider declined the charge; nothing was charged'],
    [409, [ErrorCode.OrderClosed], 'cancelled or expired (any charge refunded)'],
    [501, [ErrorCode.NotImplemented], 'under PURCHASE_STRATEGY=postgres'],
    [503, [ErrorCode.Unavailable], 'the provider or Redis is down; retry'],
  )
  async pay(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<OrderView> {
    this.requireLifecycle();
    const orderId = parseUuid(id, 'order id');
    return this.answer(orderId, await this.payments.pay(orderId, principal));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'Cancel a pending order: its units go back on sale, once' })
  @ApiAnswer(200, 'Order', { ...EXAMPLES.order, status: 'cancelled' }, 'the order, cancelled')
  @ApiErrors(
    ...ORDER_ERRORS,
    [409, [ErrorCode.OrderClosed], 'already paid, cancelled or expired'],
    [501, [ErrorCode.NotImplemented], 'under PURCHASE_STRATEGY=postgres'],
    [503, [ErrorCode.Unavailable], 'Redis is down; nothing was changed'],
  )
  async cancel(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderView> {
    this.requireLifecycle();
    const orderId = parseUuid(id, 'order id');
    return this.answer(orderId, await this.lifecycle.cancel(orderId, principal));
  }
}
