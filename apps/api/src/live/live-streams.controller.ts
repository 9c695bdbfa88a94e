import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminOnly, Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { ApiError, ErrorCode, ErrorRow, EventStream, parseUuid } from '@flash/http';
import { LiveEvent, LiveSales, SaleSchedule, StreamSlots, openLiveStream } from '@flash/live';
import { OrderView, OrdersService, SaleStatsService } from '@flash/orders';
import { addressGroup } from '@flash/throttling';
import { PublicSaleView, SalesService } from '@flash/sales';
import {
  ADMIN_ERRORS,
  ApiErrors,
  EXAMPLES,
  STREAM_LIMIT_ERRORS,
  TOKEN_ERRORS,
} from '../api-responses';
import { streamOrRefusal } from '../http-answers';

const SALE_ERRORS: ErrorRow[] = [
  [400, [ErrorCode.InvalidRequest], 'a malformed sale id'],
  [404, [ErrorCode.NotFound], 'no such sale'],
  [503, [ErrorCode.Unavailable], 'Redis or Postgres is down'],
];

function streamAnswer(description: string, example: string) {
  return ApiResponse({
    status: 200,
    description,
    content: { 'text/event-stream': { schema: { type: 'string' }, example } },
  });
}

/** Sends a live event on a stream. */
const relay = (stream: EventStream) => (event: LiveEvent) => stream.send(event.type, event.data);

const scheduleOf = (sale: PublicSaleView): SaleSchedule => ({
  saleId: sale.id,
  stock: sale.stock,
  startsAt: new Date(sale.startsAt),
  endsAt: sale.endsAt === null ? null : new Date(sale.endsAt),
});

/**
 * The live pages' server-sent events: a sale's stock (anyone), an order's status (its buyer
 * or an admin) and a sale's counters (admins). Each stream first sends what it follows, read
 * once, then what the sale's events channel brings: no Redis call per page after that.
 */
@ApiTags('live')
@Controller()
export class LiveStreamsController {
  constructor(
    private readonly live: LiveSales,
    private readonly slots: StreamSlots,
    private readonly sales: SalesService,
    private readonly orders: OrdersService,
    private readonly stats: SaleStatsService,
  ) {}

  @Get('sales/:id/events')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Follow a sale\'s stock: "sale" (the sale, with serverTime), then "stock" when units remaining or the status change (about once a second while it sells); "paused"/"resumed" around a rebuild',
  })
  @streamAnswer(
    'events for up to 10 minutes; no token needed',
    `event: sale\ndata: ${JSON.stringify(EXAMPLES.publicSale)}\n\nevent: stock\ndata: {"saleId":"${EXAMPLES.publicSale.id}","stock":50000,"remaining":12001,"status":"live","at":1351569605000}\n\n`,
  )
  @ApiErrors(...SALE_ERRORS, ...STREAM_LIMIT_ERRORS)
  async saleEvents(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const saleId = parseUuid(id, 'sale id');
    streamOrRefusal(
      await openLiveStream(
        reply,
        this.slots,
        'stock',
        { address: addressGroup(req.ip) },
        async () => {
          await this.sales.get(saleId);
          await this.live.ready(saleId);
          return this.sales.publicView(saleId);
        },
        (stream, sale) => {
          stream.send('sale', sale);
          return this.live.followStock(scheduleOf(sale), relay(stream));
        },
      ),
    );
  }

  @Get('orders/:id/events')
  @Authenticated()
  @ApiBearerAuth()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Follow an order: "order" (the whole order), then "order" once with its new status when it is paid, cancelled, expired or rejected, and the stream closes',
  })
  @streamAnswer(
    'events until the order is closed or 10 minutes have passed',
    `event: order\ndata: ${JSON.stringify(EXAMPLES.order)}\n\nevent: order\ndata: {"orderId":"${EXAMPLES.order.id}","status":"paid"}\n\n`,
  )
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed order id'],
    ...TOKEN_ERRORS,
    [403, [ErrorCode.Forbidden], "another buyer's order"],
    [404, [ErrorCode.NotFound], 'no such order'],
    ...STREAM_LIMIT_ERRORS,
  )
  async orderEvents(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const orderId = parseUuid(id, 'order id');
    let first: OrderView | undefined;
    const opened = streamOrRefusal(
      await openLiveStream(
        reply,
        this.slots,
        'order',
        principal,
        async () => {
          const found = await this.readOrder(orderId, principal);
          await this.live.ready(found.saleId);
          return found;
        },
        (stream, found) => {
          first = found;
          return this.live.followOrder(orderId, relay(stream), () => stream.close());
        },
      ),
    );
    // Read again now that closings are heard: one in between is in this answer.
    const order = await this.readOrder(orderId, principal).catch(() => first as OrderView);
    opened.send('order', order);
    if (order.status !== 'pending_payment') opened.close();
  }

  @Get('admin/sales/:id/events')
  @AdminOnly()
  @ApiBearerAuth()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Follow a sale\'s counters: "stats" (as GET /admin/sales/:id/stats), then "counters" once a second (units by state, orders, pipeline lag, queue, registrations, audit findings, attempts per second across every API instance); "paused"/"resumed" around a rebuild',
  })
  @streamAnswer(
    'events for up to 10 minutes',
    `event: stats\ndata: ${JSON.stringify(EXAMPLES.stats)}\n\n`,
  )
  @ApiErrors(...SALE_ERRORS, ...ADMIN_ERRORS, ...STREAM_LIMIT_ERRORS)
  async counterEvents(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const saleId = parseUuid(id, 'sale id');
    streamOrRefusal(
      await openLiveStream(
        reply,
        this.slots,
        'operator',
        principal,
        async () => {
          await this.sales.get(saleId);
          await this.live.ready(saleId);
          return Promise.all([this.sales.publicView(saleId), this.stats.stats(saleId)]);
        },
        (stream, [sale, stats]) => {
          stream.send('stats', stats);
          return this.live.followCounters(scheduleOf(sale), relay(stream));
        },
      ),
    );
  }

  private async readOrder(orderId: string, principal: Principal): Promise<OrderView> {
    const order = await this.orders.find(orderId);
    if (!order) throw ApiError.notFound('no such order');
    if (principal.role !== 'admin' && order.buyerId !== principal.sub) {
      throw ApiError.forbidden("another buyer's order");
    }
    return order;
  }
}
