import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppointmentsService, Registration } from '@flash/appointments';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { ApiError, ErrorCode, compileValidator, parseUuid } from '@flash/http';
import { MetricsService } from '@flash/metrics';
import { emptyBodySchema } from '../api-schemas';
import { BotGate, GATE_ERRORS, GatedRoute } from './bot-gate';
import { ApiAnswer, ApiErrors, EXAMPLES, TOKEN_ERRORS } from '../api-responses';
import { REGISTRATION_REFUSALS, errorRows, refusal } from '../http-answers';

const validateEmpty = compileValidator<Record<string, never>>(emptyBodySchema);

/** Appointments: a buyer registers for a sale before it opens; only they may buy. */
@ApiTags('appointments')
@ApiBearerAuth()
@Controller('sales/:id/registration')
export class AppointmentsController {
  constructor(
    private readonly appointments: AppointmentsService,
    private readonly metrics: MetricsService,
    private readonly gate: BotGate,
  ) {}

  @Post()
  @Authenticated()
  @GatedRoute()
  @ApiOperation({ summary: 'Register for a sale that takes appointments (idempotent)' })
  @ApiAnswer(201, 'Registration', EXAMPLES.registration, 'registered now')
  @ApiAnswer(200, 'Registration', EXAMPLES.registration, 'already registered: the first one')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id, or a body'],
    ...TOKEN_ERRORS,
    ...errorRows(REGISTRATION_REFUSALS),
    ...GATE_ERRORS,
  )
  async register(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Req() request: FastifyRequest,
  ): Promise<Registration> {
    const saleId = parseUuid(id, 'sale id');
    if (body !== undefined) validateEmpty(body);
    await this.gate.check('register', saleId, principal.sub, request);
    const outcome = await this.appointments.register(saleId, principal.sub);
    this.metrics.mechanicsOutcomes.labels('register', outcome.kind).inc();
    if (outcome.kind !== 'registered') throw refusal(REGISTRATION_REFUSALS, outcome.kind);
    void reply.status(outcome.created ? 201 : 200);
    return outcome.registration;
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: "The buyer's own registration for a sale" })
  @ApiAnswer(200, 'Registration', EXAMPLES.registration, 'your registration')
  @ApiErrors([400, [ErrorCode.InvalidRequest], 'a malformed sale id'], ...TOKEN_ERRORS, [
    404,
    [ErrorCode.NotFound],
    'not registered, or no such sale',
  ])
  async mine(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Registration> {
    const registration = await this.appointments.find(parseUuid(id, 'sale id'), principal.sub);
    if (!registration) throw ApiError.notFound('not registered for this sale');
    return registration;
  }
}
