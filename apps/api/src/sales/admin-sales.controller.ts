import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '@flash/auth';
import { ApiError, compileValidator, parseIsoDate, parseUuid } from '@flash/http';
import { SaleStats, SaleStatsService } from '@flash/orders';
import { SaleView, SalesService } from '@flash/sales';
import { CreateSaleBody, createSaleSchema } from '../api-schemas';

const validate = compileValidator<CreateSaleBody>(createSaleSchema);

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/sales')
export class AdminSalesController {
  constructor(
    private readonly sales: SalesService,
    private readonly stats: SaleStatsService,
  ) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Create a sale; it is armed in Redis and sells at startsAt' })
  @ApiBody({ schema: createSaleSchema as object })
  async create(@Body() body: unknown): Promise<SaleView> {
    const input = validate(body);
    const startsAt = parseIsoDate(input.startsAt, 'startsAt');
    const endsAt = input.endsAt === undefined ? null : parseIsoDate(input.endsAt, 'endsAt');
    if (endsAt && endsAt.getTime() <= startsAt.getTime())
      throw ApiError.invalid('endsAt must be after startsAt');
    return this.sales.create({
      name: input.name,
      sku: input.sku,
      price: input.price,
      stock: input.stock,
      startsAt,
      endsAt,
      perUserLimit: input.perUserLimit ?? 1,
    });
  }

  @Get(':id/stats')
  @AdminOnly()
  @ApiOperation({ summary: 'Live counters from Redis beside what Postgres holds' })
  async saleStats(@Param('id') id: string): Promise<SaleStats> {
    return this.stats.stats(parseUuid(id, 'sale id'));
  }
}
