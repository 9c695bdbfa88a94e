import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, CurrentPrincipal, Principal } from '@flash/auth';
import { ErrorCode, ErrorRow, compileValidator, parseUuid } from '@flash/http';
import { StreamSlots, openLiveStream } from '@flash/live';
import { QueueEvent, QueueFollowers, TicketView, WaitingRoomService } from '@flash/waiting-room';
import { MetricsService } from '@flash/metrics';
import { emptyBodySchema } from '../api-schemas';
import { BotGate, GATE_ERRORS, GatedRoute } from './bot-gate';
import {
  ApiAnswer,
  ApiErrors,
  EXAMPLES,
  STREAM_LIMIT_ERRORS,
  TOKEN_ERRORS,
} from '../api-responses';
import {
  QUEUE_JOIN_REFUSALS,
  QUEUE_TICKET_REFUSALS,
  errorRows,
  refusal,
  streamOrRefusal,
} from '../http-answers';

const TICKET_ERRORS: ErrorRow[] = [
  [400, [ErrorCode.InvalidRequest], 'a malformed sale id'],
  ...TOKEN_ERRORS,
  ...errorRows(QUEUE_TICKET_REFUSALS),
];

const STREAM_ERRORS: ErrorRow[] = [...TICKET_ERRORS, ...STREAM_LIMIT_ERRORS];

const validateEmpty = compileValidator<Record<string, never>>(emptyBodySchema);

/** The virtual waiting room: join once, then poll or follow your place in line. */
@ApiTags('waiting room')
@ApiBearerAuth()
@Controller('sales/:id/queue')
export class WaitingRoomController {
  constructor(
    private readonly room: WaitingRoomService,
    private readonly followers: QueueFollowers,
    private readonly slots: StreamSlots,
    private readonly metrics: MetricsService,
    private readonly gate: BotGate,
  ) {}

  @Post()
  @Authenticated()
  @GatedRoute()
  @ApiOperation({
    summary:
      'Join the waiting room: one ticket per buyer. Before the opening you join the pre-queue, shuffled at the opening',
  })
  @ApiAnswer(
    201,
    'Ticket',
    {
      ...EXAMPLES.ticket,
      status: 'pre_queue',
      ticket: null,
      position: null,
      estimatedWaitSeconds: null,
    },
    'the new ticket',
  )
  @ApiAnswer(200, 'Ticket', EXAMPLES.ticket, 'already in line: your ticket')
  @ApiErrors(
    [400, [ErrorCode.InvalidRequest], 'a malformed sale id, or a body'],
    ...TOKEN_ERRORS,
    ...errorRows(QUEUE_JOIN_REFUSALS),
    ...GATE_ERRORS,
  )
  async join(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Req() request: FastifyRequest,
  ): Promise<TicketView> {
    const saleId = parseUuid(id, 'sale id');
    if (body !== undefined) validateEmpty(body);
    await this.gate.check('join', saleId, principal.sub, request);
    const outcome = await this.room.join(saleId, principal.sub);
    this.metrics.mechanicsOutcomes.labels('join', outcome.kind).inc();
    if (outcome.kind !== 'joined') throw refusal(QUEUE_JOIN_REFUSALS, outcome.kind);
    void reply.status(outcome.created ? 201 : 200);
    return outcome.ticket;
  }

  @Get()
  @Authenticated()
  @ApiOperation({
    summary:
      'Where you stand: status, position, estimated wait; once admitted, the Admission-Token for the purchase',
  })
  @ApiAnswer(200, 'Ticket', EXAMPLES.ticket, 'your ticket; once admitted, with admissionToken')
  @ApiErrors(...TICKET_ERRORS)
  async ticket(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TicketView> {
    return this.read(parseUuid(id, 'sale id'), principal.sub);
  }

  @Get('events')
  @Authenticated()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Follow your ticket as server-sent events: "ticket" (the whole ticket, on every status change, with the token once admitted), "position", and while the sale is restored after a failure "paused" and "requeue" (join again)',
  })
  @ApiResponse({
    status: 200,
    description: 'events until the ticket is final or 10 minutes have passed',
    content: {
      'text/event-stream': {
        schema: { type: 'string' },
        example: `event: ticket\ndata: ${JSON.stringify(EXAMPLES.ticket)}\n\n`,
      },
    },
  })
  @ApiErrors(...STREAM_ERRORS)
  async events(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const saleId = parseUuid(id, 'sale id');
    streamOrRefusal(
      await openLiveStream(
        reply,
        this.slots,
        'queue',
        principal,
        () => this.read(saleId, principal.sub),
        (stream, ticket) =>
          this.followers.follow(
            ticket,
            (event: QueueEvent) => stream.send(event.type, event.data),
            () => stream.close(),
          ),
      ),
    );
  }

  private async read(saleId: string, buyerId: string): Promise<TicketView> {
    const outcome = await this.room.ticket(saleId, buyerId);
    if (outcome.kind !== 'ticket') throw refusal(QUEUE_TICKET_REFUSALS, outcome.kind);
    return outcome.ticket;
  }
}
