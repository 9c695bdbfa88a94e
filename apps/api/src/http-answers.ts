import type { DomainErrorKind } from '@flash/errors';
import { ErrorCode, ErrorRow } from '@flash/http';
import type { PurchaseOutcome } from '@flash/sales';

/** What the API answers for one outcome: status, the contract's code, and what to tell the client. */
export interface HttpAnswer {
  status: number;
  code: ErrorCode;
  message: string;
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

/** The API's tables, one per outcome union it answers. */
export const HTTP_ANSWERS = {
  errors: DOMAIN_ERROR_ANSWERS,
  purchase: PURCHASE_REFUSALS,
};

/**
 * The OpenAPI error rows of a table: one per status, with every code it can carry and what
 * each means, so the document says what the table does.
 */
export function errorRows(table: Record<string, HttpAnswer>): ErrorRow[] {
  const byStatus = new Map<number, { codes: Set<ErrorCode>; messages: string[] }>();
  for (const answer of Object.values(table)) {
    const row = byStatus.get(answer.status) ?? { codes: new Set(), messages: [] };
    row.codes.add(answer.code);
    row.messages.push(answer.message);
    byStatus.set(answer.status, row);
  }
  return [...byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, row]) => [status, [...row.codes], row.messages.join('; ')]);
}
