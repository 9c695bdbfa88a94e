import { Body, Controller, Get, Headers, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import {
  ErrorBody,
  ErrorCode,
  compileValidator,
  errorBody,
  parseIdempotencyKey,
  parseUuid,
} from '@flash/http';
import { MetricsService } from '@flash/metrics';
import { PublicSaleView, PurchaseOutcome, PurchaseStrategy, SalesService } from '@flash/sales';
import { PurchaseBody, purchaseSchema } from '../api-schemas';

const validate = compileValidator<PurchaseBody>(purchaseSchema);

export interface PurchaseAccepted {
  orderId: string;
  saleId: string;
  quantity: number;
  status: 'pending_payment';
}

/** HTTP answer for each outcome that is not an acceptance. */
const REFUSALS: Record<
  Exclude<PurchaseOutcome['kind'], 'accepted'>,
  [number, ErrorCode, string]
> = {
  sold_out: [409, ErrorCode.SoldOut, 'sold out'],
  limit_reached: [409, ErrorCode.LimitReached, 'per-user limit reached'],
  not_started: [409, ErrorCode.NotStarted, 'the sale has not started'],
  ended: [409, ErrorCode.Ended, 'the sale has ended'],
  not_found: [404, ErrorCode.NotFound, 'no such sale'],
  unavailable: [503, ErrorCode.Unavailable, 'the sale is not live in Redis; nothing was sold'],
};

@ApiTags('sales')
@Controller('sales')
export class SalesController {
  constructor(
    private readonly sales: SalesService,
    private readonly purchases: PurchaseStrategy,
    private readonly metrics: MetricsService,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'A sale with its live remaining stock and status' })
  async get(@Param('id') id: string): Promise<PublicSaleView> {
    return this.sales.publicView(parseUuid(id, 'sale id'));
  }

  /**
   * The hot path: validate, then one Redis script call (or none, once sold out); or, under
   * PURCHASE_STRATEGY=postgres, the naive baseline's transaction.
   * Refusals are ordinary answers, set on the reply, not thrown.
   */
  @Post(':id/purchase')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Try to buy; 202 means a unit is held for you' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-128 printable characters',
  })
  @ApiBody({ schema: purchaseSchema as object, required: false })
  @ApiResponse({
    status: 202,
    description: '{orderId, saleId, quantity, status: "pending_payment"}',
  })
  @ApiResponse({
    status: 400,
    description: 'INVALID_REQUEST: bad body, sale id or Idempotency-Key',
  })
  @ApiResponse({ status: 401, description: 'UNAUTHORIZED: missing, expired or badly signed token' })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such sale' })
  @ApiResponse({ status: 409, description: 'SOLD_OUT, LIMIT_REACHED, NOT_STARTED or ENDED' })
  @ApiResponse({ status: 413, description: 'PAYLOAD_TOO_LARGE' })
  @ApiResponse({
    status: 503,
    description: 'UNAVAILABLE: Redis down or the sale not live in it; nothing sold',
  })
  async purchase(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyHeader: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PurchaseAccepted | ErrorBody> {
    const started = process.hrtime.bigint();
    const saleId = parseUuid(id, 'sale id');
    // No body at all means the default quantity; a JSON null is a malformed body.
    const { quantity } = validate(body === undefined ? {} : body);
    const idempotencyKey = parseIdempotencyKey(idempotencyHeader);
    const outcome = await this.purchases.purchase({
      saleId,
      buyerId: principal.sub,
      quantity: quantity ?? 1,
      idempotencyKey,
    });
    let label: string;
    let answer: PurchaseAccepted | ErrorBody;
    if (outcome.kind === 'accepted') {
      label = outcome.replayed ? 'REPLAYED' : 'ACCEPTED';
      void reply.status(202);
      answer = {
        orderId: outcome.orderId,
        saleId,
        quantity: outcome.quantity,
        status: 'pending_payment',
      };
    } else {
      const [status, code, message] = REFUSALS[outcome.kind];
      label = code;
      void reply.status(status);
      if (status === 503) void reply.header('Retry-After', '1');
      answer = errorBody(code, message);
    }
    this.metrics.purchaseOutcomes.labels(label).inc();
    this.metrics.purchaseDuration
      .labels(label)
      .observe(Number(process.hrtime.bigint() - started) / 1e9);
    return answer;
  }
}
