import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { BotDefenceService } from '@flash/bot-defence';
import { ErrorCode, compileValidator, parseUuid } from '@flash/http';
import { SalesService } from '@flash/sales';
import { emptyBodySchema } from '../api-schemas';
import { ApiAnswer, ApiErrors, EXAMPLES, TOKEN_ERRORS } from '../api-responses';
import { CHALLENGE_REFUSALS, errorRows, refusal } from '../http-answers';

const validateEmpty = compileValidator<Record<string, never>>(emptyBodySchema);

export interface IssuedChallenge {
  challenge: string;
  difficulty: number;
  expiresAt: string;
}

/**
 * Proof of work: a sale that asks for it hands each buyer a challenge to solve before they
 * register or join the queue. Issuing is one HMAC and touches no store.
 */
@ApiTags('bot defence')
@ApiBearerAuth()
@Controller('sales/:id/challenge')
export class ProofOfWorkController {
  constructor(
    private readonly defence: BotDefenceService,
    private readonly sales: SalesService,
  ) {}

  @Post()
  @Authenticated()
  @ApiOperation({
    summary:
      'A proof-of-work challenge for you and this sale: solve it, then register or join the queue with Proof-Of-Work: <challenge>:<solution> (single use)',
  })
  @ApiAnswer(201, 'Challenge', EXAMPLES.challenge, 'a new challenge')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id, or a body'],
    ...TOKEN_ERRORS,
    ...errorRows(CHALLENGE_REFUSALS),
  )
  async challenge(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<IssuedChallenge> {
    const saleId = parseUuid(id, 'sale id');
    if (body !== undefined) validateEmpty(body);
    const sale = await this.sales.find(saleId);
    if (!sale) throw refusal(CHALLENGE_REFUSALS, 'not_found');
    const outcome = this.defence.challenge(saleId, principal.sub, sale.powDifficulty);
    if (outcome.kind !== 'issued') throw refusal(CHALLENGE_REFUSALS, outcome.kind);
    return {
      challenge: outcome.challenge,
      difficulty: outcome.difficulty,
      expiresAt: outcome.expiresAt,
    };
  }
}
