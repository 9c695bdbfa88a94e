import { Body, Controller, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminOnly } from '@flash/auth';
import { FcodesService } from '@flash/fcodes';
import { ApiError, ErrorCode, compileValidator, parseUuid } from '@flash/http';
import { MetricsService } from '@flash/metrics';
import { GenerateFcodesBody, generateFcodesSchema } from '../api-schemas';
import { ADMIN_ERRORS, ApiErrors, EXAMPLES, schemaRef } from '../api-responses';
import { FCODE_REFUSALS, errorRows, refusal } from '../http-answers';

const validate = compileValidator<GenerateFcodesBody>(generateFcodesSchema);

export interface GeneratedFcodes {
  saleId: string;
  count: number;
  codes: string[];
}

/** F-codes: the admin issues single-use priority codes and downloads them, once. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/sales/:id/fcodes')
export class FcodesController {
  constructor(
    private readonly fcodes: FcodesService,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @AdminOnly()
  @ApiOperation({
    summary: 'Generate N single-use F-codes; the codes are in this answer only (stored as SHA-256)',
  })
  @ApiBody({ schema: generateFcodesSchema as object })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: ['json', 'csv'],
    description: 'csv: a text/csv download, one code per line',
  })
  @ApiResponse({
    status: 201,
    description: 'the codes, as JSON or (format=csv) as a text/csv download',
    content: {
      'application/json': { schema: { $ref: schemaRef('FcodesIssued') }, example: EXAMPLES.fcodes },
      'text/csv': {
        schema: { type: 'string' },
        example: `fcode\n${EXAMPLES.fcodes.codes.join('\n')}\n`,
      },
    },
  })
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a bad count or format, or a malformed sale id'],
    ...ADMIN_ERRORS,
    ...errorRows(FCODE_REFUSALS),
  )
  async generate(
    @Param('id') id: string,
    @Body() body: unknown,
    @Query('format') format: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<GeneratedFcodes | string> {
    const saleId = parseUuid(id, 'sale id');
    const { count } = validate(body);
    if (format !== undefined && format !== 'json' && format !== 'csv') {
      throw ApiError.invalid('format must be json or csv');
    }
    const outcome = await this.fcodes.generate(saleId, count);
    this.metrics.mechanicsOutcomes.labels('issue_fcodes', outcome.kind).inc();
    if (outcome.kind !== 'generated') throw refusal(FCODE_REFUSALS, outcome.kind);
    void reply.status(201);
    if (format === 'csv') {
      void reply
        .header('Content-Type', 'text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="fcodes-${saleId}.csv"`);
      return `fcode\n${outcome.codes.join('\n')}\n`;
    }
    return { saleId, count: outcome.codes.length, codes: outcome.codes };
  }
}
