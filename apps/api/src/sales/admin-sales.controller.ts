import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '@flash/auth';
import { orderIdTime } from '@flash/inventory';
import {
  ApiError,
  ErrorCode,
  ErrorRow,
  MAX_PAGE_SIZE,
  Page,
  compileValidator,
  encodeCursor,
  parseIsoDate,
  parsePageQuery,
  parseUuid,
} from '@flash/http';
import {
  ORDER_STATUSES,
  OrderStatus,
  OrderView,
  OrdersService,
  SaleStats,
  SaleStatsService,
} from '@flash/orders';
import { AuditReport, RebuildReport, SaleAuditor, SaleRebuilder } from '@flash/recovery';
import { PurchaseStrategy, SaleMechanics, SaleView, SalesService } from '@flash/sales';
import { CreateSaleBody, DEFAULT_ADMISSION_TTL_SECONDS, createSaleSchema } from '../api-schemas';
import { ADMIN_ERRORS, ApiAnswer, ApiErrors, EXAMPLES, PAGE_EXAMPLES } from '../api-responses';
import { REBUILD_REFUSALS, errorRows, refusal } from '../http-answers';
import { SaleEventsFollowing } from './sale-events-following';
import { salePage } from './sale-page';

const validate = compileValidator<CreateSaleBody>(createSaleSchema);

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/sales')
export class AdminSalesController {
  constructor(
    private readonly sales: SalesService,
    private readonly stats: SaleStatsService,
    private readonly strategy: PurchaseStrategy,
    private readonly rebuilder: SaleRebuilder,
    private readonly auditor: SaleAuditor,
    private readonly following: SaleEventsFollowing,
    private readonly orders: OrdersService,
  ) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'The sales, latest start first, a page at a time' })
  @ApiQuery({ name: 'limit', required: false, description: `1 to ${MAX_PAGE_SIZE} (50)` })
  @ApiQuery({ name: 'cursor', required: false, description: "the page before's nextCursor" })
  @ApiAnswer(200, 'SalePage', PAGE_EXAMPLES.salePage, 'a page of sales, and the cursor of the next')
  @ApiErrors([400, [ErrorCode.InvalidRequest], 'a bad limit or cursor'], ...ADMIN_ERRORS, [
    503,
    [ErrorCode.Unavailable],
    'Postgres is down',
  ])
  list(@Query() query: unknown): Promise<Page<SaleView>> {
    return salePage(this.sales, query);
  }

  @Get(':id/orders')
  @AdminOnly()
  @ApiOperation({
    summary: "A sale's orders as Postgres holds them, newest first, a page at a time",
  })
  @ApiQuery({ name: 'limit', required: false, description: `1 to ${MAX_PAGE_SIZE} (50)` })
  @ApiQuery({ name: 'cursor', required: false, description: "the page before's nextCursor" })
  @ApiQuery({ name: 'status', required: false, enum: [...ORDER_STATUSES] })
  @ApiAnswer(
    200,
    'OrderPage',
    PAGE_EXAMPLES.orderPage,
    'a page of orders, and the cursor of the next',
  )
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id, or a bad limit, cursor or status'],
    ...ADMIN_ERRORS,
    [404, [ErrorCode.NotFound], 'no such sale'],
    [503, [ErrorCode.Unavailable], 'Postgres is down'],
  )
  async saleOrders(@Param('id') id: string, @Query() query: unknown): Promise<Page<OrderView>> {
    const saleId = parseUuid(id, 'sale id');
    const cursor = { parts: 1, valid: ([o]: string[]) => orderIdTime(o) !== null };
    const page = parsePageQuery(query, cursor, ['status']);
    const status = parseStatus((query as Record<string, unknown>).status);
    await this.sales.get(saleId);
    const items = await this.orders.list({
      saleId,
      limit: page.limit,
      before: page.after?.[0],
      status,
    });
    const last = items.length === page.limit ? items[items.length - 1] : undefined;
    return { items, nextCursor: last ? encodeCursor([last.id]) : null };
  }

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create a sale; it is armed in Redis and sells at startsAt' })
  @ApiBody({ schema: createSaleSchema as object })
  @ApiAnswer(201, 'Sale', EXAMPLES.sale, 'the sale, with each mechanism that is on')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a bad field, or times out of order'],
    ...ADMIN_ERRORS,
    [501, [ErrorCode.NotImplemented], 'mechanisms under PURCHASE_STRATEGY=postgres'],
    [503, [ErrorCode.Unavailable], 'Redis or Postgres is down; no sale was created'],
  )
  async create(@Body() body: unknown): Promise<SaleView> {
    const input = validate(body);
    const startsAt = parseIsoDate(input.startsAt, 'startsAt');
    const endsAt = input.endsAt === undefined ? null : parseIsoDate(input.endsAt, 'endsAt');
    if (endsAt && endsAt.getTime() <= startsAt.getTime())
      throw ApiError.invalid('endsAt must be after startsAt');
    const mechanics = parseMechanics(input, startsAt);
    if (this.strategy.name === 'postgres' && Object.keys(mechanics).length > 0) {
      throw new ApiError(
        501,
        ErrorCode.NotImplemented,
        'the PURCHASE_STRATEGY=postgres baseline models the bare purchase: no appointments, F-codes or waiting room',
      );
    }
    const shards = parseShards(input, this.strategy.name);
    const sale = await this.sales.create({
      name: input.name,
      sku: input.sku,
      price: input.price,
      stock: input.stock,
      startsAt,
      endsAt,
      perUserLimit: input.perUserLimit ?? 1,
      shards,
      ...mechanics,
    });
    await this.following.followNew(sale.id);
    return sale;
  }

  @Get(':id/stats')
  @AdminOnly()
  @ApiOperation({ summary: 'Live counters from Redis beside what Postgres holds' })
  @ApiAnswer(200, 'SaleStats', EXAMPLES.stats, 'the counters, with the mechanisms that are on')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id'],
    ...ADMIN_ERRORS,
    [404, [ErrorCode.NotFound], 'no such sale'],
    [503, [ErrorCode.Unavailable], 'Redis or Postgres is down'],
  )
  async saleStats(@Param('id') id: string): Promise<SaleStats> {
    return this.stats.stats(parseUuid(id, 'sale id'));
  }

  @Get(':id/audit')
  @AdminOnly()
  @ApiOperation({
    summary:
      'Audit the sale now: Redis against Postgres, repairing what is safe (lost entries are sent again)',
  })
  @ApiAnswer(
    200,
    'AuditReport',
    EXAMPLES.audit,
    'what the audit found, by kind, and what it resent',
  )
  @ApiErrors(...liveStateErrors(), [
    503,
    [ErrorCode.Unavailable],
    "the sale's Redis state is missing (it is being rebuilt)",
  ])
  async audit(@Param('id') id: string): Promise<AuditReport> {
    const saleId = this.liveStateSale(id);
    await this.sales.get(saleId);
    const report = await this.auditor.audit(saleId);
    if (!report)
      throw ApiError.unavailable("the sale's Redis state is missing; it is being rebuilt", 5);
    return report;
  }

  @Post(':id/rebuild')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Rebuild the sale's Redis state from Postgres now (the worker also does it by itself when Redis lost or rolled back a sale)",
  })
  @ApiAnswer(200, 'RebuildReport', EXAMPLES.rebuild, 'what was rebuilt, and the loss window')
  @ApiErrors(...liveStateErrors(), ...errorRows(REBUILD_REFUSALS))
  async rebuild(@Param('id') id: string): Promise<RebuildReport> {
    const saleId = this.liveStateSale(id);
    const outcome = await this.rebuilder.rebuild(saleId, 'requested');
    if (outcome.kind !== 'rebuilt') throw refusal(REBUILD_REFUSALS, outcome.kind);
    return outcome.report;
  }

  /** The sale id of a route about a sale's Redis state, which the naive baseline has none of. */
  private liveStateSale(id: string): string {
    const saleId = parseUuid(id, 'sale id');
    if (this.strategy.name === 'postgres') {
      throw new ApiError(501, ErrorCode.NotImplemented, 'the naive baseline keeps no Redis state');
    }
    return saleId;
  }
}

/** The errors of the routes about a sale's Redis state (audit, rebuild). */
function liveStateErrors(): ErrorRow[] {
  return [
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id'],
    ...ADMIN_ERRORS,
    [404, [ErrorCode.NotFound], 'no such sale'],
    [501, [ErrorCode.NotImplemented], 'under PURCHASE_STRATEGY=postgres (no Redis state)'],
    [503, [ErrorCode.Unavailable], 'Redis or Postgres is down'],
  ];
}

/**
 * The shard count, with the rule the schema cannot express: no more shards than units. Every
 * mechanism works with shards (F-codes and the waiting room through ShardGates).
 */
export function parseShards(input: CreateSaleBody, strategy: string): number {
  const shards = input.shards ?? 1;
  if (shards === 1) return 1;
  if (shards > input.stock) throw ApiError.invalid('shards must not exceed stock');
  if (strategy === 'postgres')
    throw new ApiError(
      501,
      ErrorCode.NotImplemented,
      'the PURCHASE_STRATEGY=postgres baseline keeps one stock row: no shards',
    );
  return shards;
}

/** The optional mechanisms of a new sale, with the time orderings the schema cannot express. */
export function parseMechanics(input: CreateSaleBody, startsAt: Date): SaleMechanics {
  const mechanics: SaleMechanics = {};
  if (input.appointments) {
    const opensAt = parseIsoDate(input.appointments.opensAt, 'appointments.opensAt');
    const closesAt =
      input.appointments.closesAt === undefined
        ? startsAt
        : parseIsoDate(input.appointments.closesAt, 'appointments.closesAt');
    if (closesAt.getTime() <= opensAt.getTime())
      throw ApiError.invalid('appointments.closesAt must be after appointments.opensAt');
    if (closesAt.getTime() > startsAt.getTime())
      throw ApiError.invalid('appointments.closesAt must not be after startsAt');
    mechanics.appointments = { opensAt, closesAt };
  }
  if (input.fcodes) {
    const priorityStartsAt = parseIsoDate(input.fcodes.priorityStartsAt, 'fcodes.priorityStartsAt');
    if (priorityStartsAt.getTime() > startsAt.getTime())
      throw ApiError.invalid('fcodes.priorityStartsAt must not be after startsAt');
    mechanics.fcodes = { priorityStartsAt };
  }
  if (input.waitingRoom) {
    mechanics.waitingRoom = {
      admissionRate: input.waitingRoom.admissionRate,
      admissionTtlSeconds: input.waitingRoom.admissionTtlSeconds ?? DEFAULT_ADMISSION_TTL_SECONDS,
      preQueue: input.waitingRoom.preQueue ?? true,
    };
  }
  if (input.proofOfWork) {
    // The gate sits on registration and queue joins: a sale with neither has nowhere to put it.
    if (!input.appointments && !input.waitingRoom)
      throw ApiError.invalid('proofOfWork needs appointments or a waitingRoom to guard');
    mechanics.proofOfWork = { difficulty: input.proofOfWork.difficulty };
  }
  return mechanics;
}

function parseStatus(value: unknown): OrderStatus | undefined {
  if (value === undefined) return undefined;
  if (!(ORDER_STATUSES as readonly unknown[]).includes(value))
    throw ApiError.invalid(`status must be one of ${ORDER_STATUSES.join(', ')}`);
  return value as OrderStatus;
}
