import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, principalOf } from '@flash/auth';
import {
  ApiError,
  ErrorBody,
  ErrorCode,
  MAX_PAGE_SIZE,
  Page,
  compileValidator,
  errorBody,
  parseIdempotencyKey,
  parseUuid,
  retryAfterSeconds,
} from '@flash/http';
import { SaleAttempts } from '@flash/live';
import { MetricsService } from '@flash/metrics';
import { PublicSaleView, PurchaseStrategy, SaleView, SalesService } from '@flash/sales';
import { hashFcode } from '@flash/fcodes';
import { WaitingRoomService } from '@flash/waiting-room';
import { PurchaseBody, purchaseSchema } from '../api-schemas';
import { ApiAnswer, ApiErrors, EXAMPLES, PAGE_EXAMPLES, TOKEN_ERRORS } from '../api-responses';
import { PURCHASE_REFUSALS, errorRows } from '../http-answers';
import { salePage } from './sale-page';

const validate = compileValidator<PurchaseBody>(purchaseSchema);

export interface PurchaseAccepted {
  orderId: string;
  saleId: string;
  quantity: number;
  status: 'pending_payment';
}

@ApiTags('sales')
@Controller('sales')
export class SalesController {
  constructor(
    private readonly sales: SalesService,
    private readonly purchases: PurchaseStrategy,
    private readonly metrics: MetricsService,
    private readonly room: WaitingRoomService,
    private readonly attempts: SaleAttempts,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The sales, latest start first, a page at a time (what a buyer picks from)',
  })
  @ApiQuery({ name: 'limit', required: false, description: `1 to ${MAX_PAGE_SIZE} (50)` })
  @ApiQuery({ name: 'cursor', required: false, description: "the page before's nextCursor" })
  @ApiAnswer(200, 'SalePage', PAGE_EXAMPLES.salePage, 'a page of sales; no token needed')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a bad limit or cursor'],
    [503, [ErrorCode.Unavailable], 'Postgres is down'],
  )
  list(@Query() query: unknown): Promise<Page<SaleView>> {
    return salePage(this.sales, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A sale with its live remaining stock and status' })
  @ApiAnswer(200, 'PublicSale', EXAMPLES.publicSale, 'the sale; no token needed')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id'],
    [404, [ErrorCode.NotFound], 'no such sale'],
    [503, [ErrorCode.Unavailable], 'Redis or Postgres is down'],
  )
  async get(@Param('id') id: string): Promise<PublicSaleView> {
    return this.sales.publicView(parseUuid(id, 'sale id'));
  }

  /**
   * The hot path: validate, then one Redis script call (or none, once sold out); or, under
   * PURCHASE_STRATEGY=postgres, the naive baseline's transaction.
   * Refusals are ordinary answers, set on the reply, not thrown.
   */
  @Post(':id/purchase')
  @ApiParam({ name: 'id', description: 'the sale id (a UUID)' })
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Try to buy; 202 means a unit is held for you' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-128 printable characters',
  })
  @ApiHeader({
    name: 'Admission-Token',
    required: false,
    description: 'sales with a waiting room: the token GET /sales/:id/queue gave once admitted',
  })
  @ApiBody({ schema: purchaseSchema as object, required: false })
  @ApiAnswer(
    202,
    'PurchaseAccepted',
    EXAMPLES.accepted,
    'a unit is held for you: pay for the order',
  )
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a bad body, sale id or Idempotency-Key'],
    ...TOKEN_ERRORS,
    // 403, 404, 409, 429 and 503 as the purchase's table answers them.
    ...errorRows(PURCHASE_REFUSALS),
    [413, [ErrorCode.PayloadTooLarge], 'a body over BODY_LIMIT_BYTES'],
  )
  async purchase(
    // The request whole rather than five parameter decorators: Nest resolves each one with an
    // async call per request, a cost the purchase's profile showed (docs/performance.md).
    @Req() req: FastifyRequest<{ Params: { id: string } }>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PurchaseAccepted | ErrorBody> {
    const started = process.hrtime.bigint();
    const principal = principalOf(req);
    const saleId = parseUuid(req.params.id, 'sale id');
    // No body at all means the default quantity; a JSON null is a malformed body.
    const { quantity, fcode } = validate(req.body === undefined ? {} : req.body);
    const idempotencyKey = parseIdempotencyKey(headerOf(req, 'idempotency-key'));
    const admissionTicket = this.checkAdmission(
      req.headers['admission-token'],
      saleId,
      principal.sub,
    );
    const outcome = await this.purchases.purchase({
      saleId,
      buyerId: principal.sub,
      quantity: quantity ?? 1,
      idempotencyKey,
      fcodeHash: fcode === undefined ? undefined : hashFcode(fcode),
      admissionTicket,
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
      const row = PURCHASE_REFUSALS[outcome.kind];
      label = row.code;
      void reply.status(row.status);
      const given =
        outcome.kind === 'rate_limited' ? outcome.retryAfterSeconds : row.retryAfterSeconds;
      const retryAfter = retryAfterSeconds(row.status, given);
      if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
      answer = errorBody(row.code, row.message);
    }
    this.attempts.count(saleId, outcome.kind === 'accepted');
    this.metrics.purchaseOutcomes.labels(label).inc();
    this.metrics.purchaseDuration
      .labels(label)
      .observe(Number(process.hrtime.bigint() - started) / 1e9);
    return answer;
  }

  /**
   * An Admission-Token, when one is sent, must be genuine, unexpired and this buyer's for
   * this sale, or the purchase is refused before Redis. Whether the sale needs one, whether
   * the admission it names is real and still open, and whether it has already bought,
   * purchase.lua decides: a signature alone is never enough.
   */
  private checkAdmission(
    header: string | string[] | undefined,
    saleId: string,
    buyerId: string,
  ): number | undefined {
    if (header === undefined) return undefined;
    if (Array.isArray(header)) {
      throw new ApiError(403, ErrorCode.AdmissionInvalid, 'send one Admission-Token');
    }
    const check = this.room.verify(header, saleId, buyerId);
    if (!check.ok) throw new ApiError(403, ErrorCode.AdmissionInvalid, check.reason);
    return check.claims.t;
  }
}

/** A header sent once, as Nest's @Headers() gives it (a repeated one is joined). */
function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
