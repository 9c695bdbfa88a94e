import { Injectable } from '@nestjs/common';
import { BotDefenceService } from '@flash/bot-defence';
import { ErrorRow } from '@flash/http';
import { MetricsService } from '@flash/metrics';
import { SalesService } from '@flash/sales';
import { GATE_REFUSALS, POW_INVALID_MESSAGES, errorRows, refusal } from '../http-answers';

/** The header, as the OpenAPI document shows it on the routes behind the gate. */
export const POW_HEADER = {
  name: 'Proof-Of-Work',
  required: false,
  description:
    '<challenge>:<solution>, for a sale with proofOfWork: a challenge from POST /sales/:id/challenge and its solution (single use)',
};

/** The gate's refusals, for the OpenAPI answers of the routes behind it. */
export const GATE_ERRORS: ErrorRow[] = errorRows(GATE_REFUSALS);

/**
 * The bot defences in front of registration and queue joins. A sale that switched none on
 * costs one cached lookup; an unknown sale passes, and the route then answers 404.
 */
@Injectable()
export class BotGate {
  constructor(
    private readonly defence: BotDefenceService,
    private readonly sales: SalesService,
    private readonly metrics: MetricsService,
  ) {}

  /** Throws the route's refusal unless the request may go on. */
  async check(
    route: 'register' | 'join',
    saleId: string,
    buyerId: string,
    proofOfWork: string | string[] | undefined,
  ): Promise<void> {
    const sale = await this.sales.find(saleId);
    const difficulty = sale?.powDifficulty ?? null;
    if (difficulty === null) return;
    const header = Array.isArray(proofOfWork) ? proofOfWork.join(',') : proofOfWork;
    const outcome = await this.defence.pass(saleId, buyerId, difficulty, header);
    this.metrics.mechanicsOutcomes.labels(`${route}_gate`, outcome.kind).inc();
    if (outcome.kind === 'passed') return;
    throw refusal(
      GATE_REFUSALS,
      outcome.kind,
      outcome.kind === 'pow_invalid' ? POW_INVALID_MESSAGES[outcome.reason] : undefined,
    );
  }
}
