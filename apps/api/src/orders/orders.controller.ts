import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { ApiError, ErrorCode, parseUuid } from '@flash/http';
import { OrderLifecycleService, OrderView, OrdersService, TransitionOutcome } from '@flash/orders';

/** The HTTP answer for a transition that did not simply succeed. */
export function transitionAnswer(outcome: TransitionOutcome): OrderView {
  switch (outcome.kind) {
    case 'done':
      return outcome.order;
    case 'closed':
      throw new ApiError(409, ErrorCode.OrderClosed, `the order is already ${outcome.status}`);
    case 'not_found':
      throw ApiError.notFound('no such order');
    case 'forbidden':
      throw ApiError.forbidden("another buyer's order");
    case 'unavailable':
      throw ApiError.unavailable("the order's sale is not live in Redis; nothing changed");
  }
}

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly lifecycle: OrderLifecycleService,
  ) {}

  @Get(':id')
  @Authenticated()
  @ApiOperation({
    summary: "An order, as soon as its purchase has answered 202 (its buyer's or an admin's)",
  })
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<OrderView> {
    const order = await this.orders.find(parseUuid(id, 'order id'));
    if (!order) throw ApiError.notFound('no such order');
    if (principal.role !== 'admin' && order.buyerId !== principal.sub) {
      throw ApiError.forbidden("another buyer's order");
    }
    return order;
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({ summary: 'Cancel a pending order: its units go back on sale, once' })
  @ApiResponse({ status: 200, description: 'the order, status cancelled' })
  @ApiResponse({ status: 409, description: 'ORDER_CLOSED: already paid, cancelled or expired' })
  async cancel(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OrderView> {
    return transitionAnswer(await this.lifecycle.cancel(parseUuid(id, 'order id'), principal));
  }
}
