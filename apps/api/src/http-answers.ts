import type { RegisterOutcome } from '@flash/appointments';
import type { DomainErrorKind } from '@flash/errors';
import type {
  ChallengeOutcome,
  GateOutcome,
  HumanCheckOutcome,
  PowInvalidReason,
} from '@flash/bot-defence';
import type { GenerateOutcome } from '@flash/fcodes';
import { ApiError, ErrorCode, ErrorRow, EventStream } from '@flash/http';
import type { LiveStreamOpening, StreamRefusal } from '@flash/live';
import type { TransitionOutcome } from '@flash/orders';
import type { PayOutcome } from '@flash/payments';
import type { RebuildOutcome } from '@flash/recovery';
import type { PurchaseOutcome } from '@flash/sales';
import type { HoldOutcome, JoinOutcome, TicketOutcome } from '@flash/waiting-room';

/** What the API answers for one outcome: status, the contract's code, and what to tell the client. */
export interface HttpAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  /** Retry-After, in seconds (a 503 without one gets the rule's, @flash/http retry-after). */
  retryAfterSeconds?: number;
}

/**
 * The API's HTTP meaning of every error a lib throws. The libs know only the kind; the
 * message stays the error's own.
 */
export const DOMAIN_ERROR_ANSWERS: Record<DomainErrorKind, Omit<HttpAnswer, 'message'>> = {
  invalid: { status: 400, code: ErrorCode.InvalidRequest },
  unauthorized: { status: 401, code: ErrorCode.Unauthorized },
  forbidden: { status: 403, code: ErrorCode.Forbidden },
  not_found: { status: 404, code: ErrorCode.NotFound },
  duplicate_event: { status: 409, code: ErrorCode.DuplicateEvent },
  rate_limited: { status: 429, code: ErrorCode.RateLimited },
  unavailable: { status: 503, code: ErrorCode.Unavailable },
};

/**
 * Every way a purchase can end other than an acceptance, and its answer. The type makes it
 * exhaustive: a refusal added to purchase.lua's entry does not compile until it has a row.
 */
export const PURCHASE_REFUSALS: Record<Exclude<PurchaseOutcome['kind'], 'accepted'>, HttpAnswer> = {
  sold_out: { status: 409, code: ErrorCode.SoldOut, message: 'sold out' },
  limit_reached: { status: 409, code: ErrorCode.LimitReached, message: 'per-user limit reached' },
  cancels_spent: {
    status: 409,
    code: ErrorCode.LimitReached,
    message:
      'you have cancelled as many orders in this sale as it allows (CANCELS_PER_BUYER): you can buy no more in it',
  },
  not_started: { status: 409, code: ErrorCode.NotStarted, message: 'the sale has not started' },
  ended: { status: 409, code: ErrorCode.Ended, message: 'the sale has ended' },
  fcode_invalid: {
    status: 409,
    code: ErrorCode.FcodeInvalid,
    message: 'no such unspent F-code in this sale',
  },
  not_registered: {
    status: 403,
    code: ErrorCode.NotRegistered,
    message: 'this sale is for buyers who registered',
  },
  admission_required: {
    status: 403,
    code: ErrorCode.AdmissionRequired,
    message: 'this sale has a waiting room: join it and buy with your Admission-Token',
  },
  admission_used: {
    status: 403,
    code: ErrorCode.AdmissionInvalid,
    message: 'this admission has already bought',
  },
  admission_invalid: {
    status: 403,
    code: ErrorCode.AdmissionInvalid,
    message:
      'no such admission: the ticket is not yours, not admitted yet, or its admission lapsed',
  },
  not_found: { status: 404, code: ErrorCode.NotFound, message: 'no such sale' },
  rate_limited: {
    status: 429,
    code: ErrorCode.RateLimited,
    message: 'too many requests: slow down',
  },
  unavailable: {
    status: 503,
    code: ErrorCode.Unavailable,
    message: 'the sale is not live in Redis; nothing was sold',
  },
  not_replicated: {
    status: 503,
    code: ErrorCode.Unavailable,
    message: 'no Redis replica confirmed the order in time, so it was withdrawn; nothing was sold',
  },
};

type Refusals<O extends { kind: string }, Success extends O['kind']> = Record<
  Exclude<O['kind'], Success>,
  HttpAnswer
>;

const NO_SALE: HttpAnswer = { status: 404, code: ErrorCode.NotFound, message: 'no such sale' };

export const REGISTRATION_REFUSALS: Refusals<RegisterOutcome, 'registered'> = {
  not_enabled: {
    status: 409,
    code: ErrorCode.NotEnabled,
    message: 'this sale takes no appointments',
  },
  not_open: {
    status: 409,
    code: ErrorCode.RegistrationClosed,
    message: 'registration has not opened yet',
  },
  closed: { status: 409, code: ErrorCode.RegistrationClosed, message: 'registration has closed' },
  not_found: NO_SALE,
  unavailable: {
    status: 503,
    code: ErrorCode.Unavailable,
    message: 'the sale is not live in Redis; nothing was registered',
  },
};

const NO_WAITING_ROOM: HttpAnswer = {
  status: 409,
  code: ErrorCode.NotEnabled,
  message: 'this sale has no waiting room',
};

export const QUEUE_JOIN_REFUSALS: Refusals<JoinOutcome, 'joined'> = {
  not_enabled: NO_WAITING_ROOM,
  not_registered: {
    status: 403,
    code: ErrorCode.NotRegistered,
    message: 'this sale is for buyers who registered',
  },
  sold_out: { status: 409, code: ErrorCode.SoldOut, message: 'sold out: the queue is closed' },
  ended: { status: 409, code: ErrorCode.Ended, message: 'the sale has ended' },
  not_started: {
    status: 409,
    code: ErrorCode.NotStarted,
    message: 'this line opens at the opening (first come, first served): no pre-queue',
  },
  not_found: NO_SALE,
  unavailable: {
    status: 503,
    code: ErrorCode.Unavailable,
    message: 'the sale is not live in Redis; nobody can join',
  },
};

export const QUEUE_TICKET_REFUSALS: Refusals<TicketOutcome, 'ticket'> = {
  no_ticket: {
    status: 404,
    code: ErrorCode.NotFound,
    message: 'no ticket for this sale: join the queue first',
  },
  not_enabled: NO_WAITING_ROOM,
  not_found: NO_SALE,
};

export const FCODE_REFUSALS: Refusals<GenerateOutcome, 'generated'> = {
  not_enabled: {
    status: 409,
    code: ErrorCode.NotEnabled,
    message: 'this sale takes no F-codes (create it with fcodes.priorityStartsAt)',
  },
  not_found: NO_SALE,
  unavailable: {
    status: 503,
    code: ErrorCode.Unavailable,
    message: 'the sale is not live in Redis; no code was issued',
  },
};

/** Paying and cancelling: the order's own refusals (a lost order is told apart by the route). */
export const ORDER_REFUSALS: Refusals<TransitionOutcome | PayOutcome, 'done' | 'paid' | 'pending'> =
  {
    declined: {
      status: 402,
      code: ErrorCode.PaymentDeclined,
      message: 'the payment was declined; nothing was charged',
    },
    closed: { status: 409, code: ErrorCode.OrderClosed, message: 'the order is already closed' },
    not_found: { status: 404, code: ErrorCode.NotFound, message: 'no such order' },
    forbidden: { status: 403, code: ErrorCode.Forbidden, message: "another buyer's order" },
    unavailable: {
      status: 503,
      code: ErrorCode.Unavailable,
      message: 'a dependency is unavailable; nothing was changed or charged',
    },
  };

/** The proof-of-work gate on registration and queue joins. */
export const GATE_REFUSALS: Refusals<GateOutcome, 'passed'> = {
  pow_required: {
    status: 403,
    code: ErrorCode.ProofOfWorkRequired,
    message:
      'this sale asks for proof of work: POST /sales/:id/challenge, solve it, and send Proof-Of-Work: <challenge>:<solution>',
  },
  pow_invalid: {
    status: 403,
    code: ErrorCode.ProofOfWorkInvalid,
    message: 'not a valid solution of a challenge issued to you for this sale',
  },
  pow_replayed: {
    status: 403,
    code: ErrorCode.ProofOfWorkInvalid,
    message: 'this solution was used already: ask for a new challenge',
  },
};

/** Why a proof of work was refused, in more words than its row's. */
/** The external human check (HUMAN_CHECK), after the proof of work. */
export const HUMAN_CHECK_REFUSALS: Refusals<HumanCheckOutcome, 'passed'> = {
  human_required: {
    status: 403,
    code: ErrorCode.HumanCheckRequired,
    message: 'this shop asks for a human check: send its token in the Human-Check header',
  },
  human_failed: {
    status: 403,
    code: ErrorCode.HumanCheckFailed,
    message: 'the human check refused this token (invalid, expired or used already): get a new one',
  },
  human_unavailable: {
    status: 503,
    code: ErrorCode.HumanCheckUnavailable,
    message: 'the human check gave no verdict: try again shortly',
    retryAfterSeconds: 2,
  },
};

export const POW_INVALID_MESSAGES: Record<PowInvalidReason, string> = {
  malformed: 'Proof-Of-Work must be <challenge>:<solution>, as issued and solved',
  forged: 'this challenge was not issued here, or was altered',
  wrong_sale: 'this challenge was issued for another sale',
  wrong_buyer: 'this challenge was issued to another buyer',
  expired: 'this challenge has expired: ask for a new one',
  insufficient: 'this solution does not do the work the challenge asks for',
};

export const CHALLENGE_REFUSALS: Refusals<ChallengeOutcome | { kind: 'not_found' }, 'issued'> = {
  not_enabled: {
    status: 409,
    code: ErrorCode.NotEnabled,
    message: 'this sale asks for no proof of work',
  },
  not_found: NO_SALE,
};

/** An operator flagging suspects in a sale's line. */
export const SUSPECT_REFUSALS: Refusals<HoldOutcome, 'held'> = {
  not_enabled: {
    status: 409,
    code: ErrorCode.NotEnabled,
    message: 'this sale has no waiting room to hold suspects in',
  },
  not_found: NO_SALE,
};

/** An operator's rebuild of a sale's Redis state. */
export const REBUILD_REFUSALS: Refusals<RebuildOutcome, 'rebuilt'> = {
  not_found: NO_SALE,
  busy: {
    status: 503,
    code: ErrorCode.Unavailable,
    message: 'a rebuild of this sale is running',
    retryAfterSeconds: 5,
  },
};

/** An event stream refused before anything was read (libs/live StreamRefusal). */
export const STREAM_REFUSALS: Record<StreamRefusal, HttpAnswer> = {
  caller_full: {
    status: 429,
    code: ErrorCode.RateLimited,
    message: 'too many open event streams for this caller',
    retryAfterSeconds: 5,
  },
  instance_full: {
    status: 503,
    code: ErrorCode.Unavailable,
    message: 'this instance follows as many streams as it can',
  },
};

/** The API's tables, one per outcome union it answers. */
export const HTTP_ANSWERS = {
  errors: DOMAIN_ERROR_ANSWERS,
  purchase: PURCHASE_REFUSALS,
  registration: REGISTRATION_REFUSALS,
  queueJoin: QUEUE_JOIN_REFUSALS,
  queueTicket: QUEUE_TICKET_REFUSALS,
  fcodes: FCODE_REFUSALS,
  order: ORDER_REFUSALS,
  rebuild: REBUILD_REFUSALS,
  gate: GATE_REFUSALS,
  human: HUMAN_CHECK_REFUSALS,
  suspects: SUSPECT_REFUSALS,
  challenge: CHALLENGE_REFUSALS,
  stream: STREAM_REFUSALS,
};

/**
 * A refusal as the error the route throws: its row's status, code and message (or a more
 * precise message), with Retry-After on a 503.
 */
export function refusal<K extends string>(
  table: Record<K, HttpAnswer>,
  kind: K,
  message?: string,
): ApiError {
  const row = table[kind];
  return new ApiError(row.status, row.code, message ?? row.message, row.retryAfterSeconds);
}

/**
 * The OpenAPI error rows of a table: one per status, with every code it can carry and what
 * each means, so the document says what the table does.
 */
export function errorRows<K extends string>(
  table: Record<K, HttpAnswer>,
  except: readonly K[] = [],
): ErrorRow[] {
  const byStatus = new Map<number, { codes: Set<ErrorCode>; messages: string[] }>();
  for (const [kind, answer] of Object.entries(table) as [K, HttpAnswer][]) {
    if (except.includes(kind)) continue;
    const row = byStatus.get(answer.status) ?? { codes: new Set(), messages: [] };
    row.codes.add(answer.code);
    row.messages.push(answer.message);
    byStatus.set(answer.status, row);
  }
  return [...byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, row]) => [status, [...row.codes], row.messages.join('; ')]);
}

/** The opened event stream, or its refusal thrown as the route's error. */
export function streamOrRefusal(opening: LiveStreamOpening): EventStream {
  if (opening.kind === 'opened') return opening.stream;
  throw refusal(STREAM_REFUSALS, opening.kind);
}
