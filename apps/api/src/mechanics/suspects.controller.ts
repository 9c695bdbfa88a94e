import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminOnly } from '@flash/auth';
import { ErrorCode, compileValidator, parseUuid } from '@flash/http';
import { MetricsService } from '@flash/metrics';
import { WaitingRoomService } from '@flash/waiting-room';
import { HoldSuspectsBody, holdSuspectsSchema } from '../api-schemas';
import { ADMIN_ERRORS, ApiAnswer, ApiErrors, EXAMPLES } from '../api-responses';
import { SUSPECT_REFUSALS, errorRows, refusal } from '../http-answers';

const validate = compileValidator<HoldSuspectsBody>(holdSuspectsSchema);

export interface SuspectsHeld {
  saleId: string;
  flagged: number;
  moved: number;
  admitted: number;
}

/**
 * The infinite queue: an operator flags buyers as suspects of a sale. They are held in its
 * line, shown a ticket that says waiting, and never admitted; the stats count them.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/sales/:id/suspects')
export class SuspectsController {
  constructor(
    private readonly room: WaitingRoomService,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  @AdminOnly()
  @ApiOperation({
    summary:
      'Flag buyers as suspects: held in the line and never admitted, without being told (idempotent)',
  })
  @ApiBody({ schema: holdSuspectsSchema as object })
  @ApiAnswer(200, 'SuspectsHeld', EXAMPLES.suspects, 'flagged')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id or body'],
    ...ADMIN_ERRORS,
    ...errorRows(SUSPECT_REFUSALS),
  )
  async hold(
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SuspectsHeld> {
    const saleId = parseUuid(id, 'sale id');
    const { buyerIds } = validate(body);
    const outcome = await this.room.holdSuspects(saleId, buyerIds);
    this.metrics.mechanicsOutcomes.labels('hold_suspects', outcome.kind).inc();
    if (outcome.kind !== 'held') throw refusal(SUSPECT_REFUSALS, outcome.kind);
    void reply.status(200);
    return { saleId, flagged: outcome.flagged, moved: outcome.moved, admitted: outcome.admitted };
  }
}
