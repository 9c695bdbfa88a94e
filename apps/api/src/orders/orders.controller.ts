import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { ApiError, parseUuid } from '@flash/http';
import { OrderView, OrdersService } from '@flash/orders';

@ApiTags('orders')
@ApiBearerAuth()
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

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
}
