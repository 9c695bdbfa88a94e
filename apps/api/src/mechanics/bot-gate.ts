import { Inject, Injectable, applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { BotDefenceService, HumanCheckOutcome } from '@flash/bot-defence';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { ErrorRow } from '@flash/http';
import { MetricsService } from '@flash/metrics';
import { SalesService } from '@flash/sales';
import { WaitingRoomService } from '@flash/waiting-room';
import {
  GATE_REFUSALS,
  HUMAN_CHECK_REFUSALS,
  POW_INVALID_MESSAGES,
  errorRows,
  refusal,
} from '../http-answers';

/** The gate's headers, as the OpenAPI document shows them on the routes behind it. */
export function GatedRoute(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Proof-Of-Work',
      required: false,
      description:
        '<challenge>:<solution>, for a sale with proofOfWork: a challenge from POST /sales/:id/challenge and its solution (single use)',
    }),
    ApiHeader({
      name: 'Human-Check',
      required: false,
      description:
        "when the shop runs a human check (HUMAN_CHECK): the token of the provider's widget (Turnstile), single use",
    }),
  );
}

/** The gate's refusals, for the OpenAPI answers of the routes behind it. */
export const GATE_ERRORS: ErrorRow[] = [
  ...errorRows(GATE_REFUSALS),
  ...errorRows(HUMAN_CHECK_REFUSALS),
];

/** The gate's headers as one value each (a header sent twice is not a valid one). */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The bot defences in front of registration and queue joins: the sale's proof of work, then
 * the shop's human check. A sale that switched none on, in a shop without a human check,
 * costs one cached lookup; an unknown sale passes, and the route then answers 404.
 *
 * With HUMAN_CHECK_ON_FAIL=suspect a buyer whose check fails is not told: they are flagged
 * as a suspect of the sale and go on, into a line that never admits them. A sale without a
 * waiting room has no such line, and refuses them instead. A request with no token at all is
 * refused with HUMAN_CHECK_REQUIRED either way.
 */
@Injectable()
export class BotGate {
  constructor(
    private readonly defence: BotDefenceService,
    private readonly sales: SalesService,
    private readonly metrics: MetricsService,
    private readonly room: WaitingRoomService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Throws the route's refusal unless the request may go on. */
  async check(
    route: 'register' | 'join',
    saleId: string,
    buyerId: string,
    request: FastifyRequest,
  ): Promise<void> {
    const sale = await this.sales.find(saleId);
    if (!sale) return;
    await this.proofOfWork(
      route,
      saleId,
      buyerId,
      sale.powDifficulty,
      header(request, 'proof-of-work'),
    );
    // The widget's action names the route it was rendered for: register or join.
    const human = await this.defence.checkHuman(header(request, 'human-check'), request.ip, route);
    if (this.defence.humanCheckProvider)
      this.metrics.mechanicsOutcomes.labels(`${route}_human`, human.kind).inc();
    if (human.kind === 'passed' || (await this.heldAsSuspect(human, saleId, buyerId))) return;
    throw refusal(HUMAN_CHECK_REFUSALS, human.kind);
  }

  /** Whether a failed check put the buyer among the sale's suspects instead of a refusal. */
  private async heldAsSuspect(
    human: HumanCheckOutcome,
    saleId: string,
    buyerId: string,
  ): Promise<boolean> {
    // Only a check that ran and failed makes a suspect: a request with no token at all is told
    // it needs one (a page without the widget is a mistake to report, not a bot to hide).
    if (human.kind !== 'human_failed' || this.config.humanCheck.onFail !== 'suspect') return false;
    return (await this.room.holdSuspects(saleId, [buyerId])).kind === 'held';
  }

  private async proofOfWork(
    route: 'register' | 'join',
    saleId: string,
    buyerId: string,
    difficulty: number | null,
    value: string | undefined,
  ): Promise<void> {
    if (difficulty === null) return;
    const outcome = await this.defence.pass(saleId, buyerId, difficulty, value);
    this.metrics.mechanicsOutcomes.labels(`${route}_gate`, outcome.kind).inc();
    if (outcome.kind === 'passed') return;
    throw refusal(
      GATE_REFUSALS,
      outcome.kind,
      outcome.kind === 'pow_invalid' ? POW_INVALID_MESSAGES[outcome.reason] : undefined,
    );
  }
}
