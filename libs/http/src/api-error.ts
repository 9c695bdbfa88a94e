/** Every error code of the API (docs/api.md lists them with their statuses). */
export enum ErrorCode {
  InvalidRequest = 'INVALID_REQUEST',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  SoldOut = 'SOLD_OUT',
  LimitReached = 'LIMIT_REACHED',
  NotStarted = 'NOT_STARTED',
  Ended = 'ENDED',
  OrderClosed = 'ORDER_CLOSED',
  /** The order was accepted, then lost with Redis before Postgres had it (see the sale rebuild). */
  OrderLost = 'ORDER_LOST',
  PaymentDeclined = 'PAYMENT_DECLINED',
  DuplicateEvent = 'DUPLICATE_EVENT',
  RateLimited = 'RATE_LIMITED',
  Unavailable = 'UNAVAILABLE',
  Internal = 'INTERNAL',
  /** A route the configured purchase strategy does not model (the naive baseline). */
  NotImplemented = 'NOT_IMPLEMENTED',
  /** The sale takes appointments and the buyer has none. */
  NotRegistered = 'NOT_REGISTERED',
  /** Registering outside the sale's registration window. */
  RegistrationClosed = 'REGISTRATION_CLOSED',
  /** No such unspent F-code in this sale. */
  FcodeInvalid = 'FCODE_INVALID',
  /** The sale has a waiting room and the purchase came without an admission token. */
  AdmissionRequired = 'ADMISSION_REQUIRED',
  /** A forged, expired, replayed or someone else's admission token. */
  AdmissionInvalid = 'ADMISSION_INVALID',
  /** The sale does not use the mechanism asked for (appointments, F-codes, waiting room). */
  NotEnabled = 'NOT_ENABLED',
  /** The sale asks registrations and queue joins for a solved challenge, and none came. */
  ProofOfWorkRequired = 'PROOF_OF_WORK_REQUIRED',
  /** A forged, altered, expired, misdirected, unsolved or already used proof of work. */
  ProofOfWorkInvalid = 'PROOF_OF_WORK_INVALID',
  /** A human check is configured (HUMAN_CHECK) and the request carried no token. */
  HumanCheckRequired = 'HUMAN_CHECK_REQUIRED',
  /** The human check's provider refused the token (invalid, expired, or used already). */
  HumanCheckFailed = 'HUMAN_CHECK_FAILED',
  /** The human check's provider gave no verdict (unreachable, slow, or in trouble). */
  HumanCheckUnavailable = 'HUMAN_CHECK_UNAVAILABLE',
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * An error the client should see as it is. Thrown for the exceptional (bad input, bad
 * token, a dependency down); expected sale outcomes are returned as values instead.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static invalid(message: string): ApiError {
    return new ApiError(400, ErrorCode.InvalidRequest, message);
  }
  static unauthorized(message = 'missing or invalid token'): ApiError {
    return new ApiError(401, ErrorCode.Unauthorized, message);
  }
  static forbidden(message = 'not allowed'): ApiError {
    return new ApiError(403, ErrorCode.Forbidden, message);
  }
  static notFound(message: string): ApiError {
    return new ApiError(404, ErrorCode.NotFound, message);
  }
  /** A 503; without a delay of its own it gets the Retry-After rule's (retry-after.ts). */
  static unavailable(message: string, retryAfterSeconds?: number): ApiError {
    return new ApiError(503, ErrorCode.Unavailable, message, retryAfterSeconds);
  }
}
