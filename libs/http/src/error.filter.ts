import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  LoggerService,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, DomainErrorKind } from '@flash/errors';
import { REQUEST_ID_HEADER } from '@flash/logging';
import { ApiError, ErrorCode, errorBody } from './api-error';
import { isDependencyDown } from './dependency-errors';
import { retryAfterSeconds } from './retry-after';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.InvalidRequest,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.NotFound,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.InvalidRequest,
  429: ErrorCode.RateLimited,
  503: ErrorCode.Unavailable,
};

/** What an app answers for each kind of error its libs throw (status and code; the message is the error's). */
export type DomainErrorAnswers = Record<DomainErrorKind, { status: number; code: ErrorCode }>;

/** One row of a route's documented errors: a status, the codes it carries, what they mean. */
export type ErrorRow = [status: number, codes: ErrorCode[], description: string];

export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  retryAfterSeconds?: number;
}

/**
 * Turns anything thrown into the contract's error shape. 4xx keep their message;
 * a dependency outage is a 503 with Retry-After; anything else is a 500 that hides
 * internals from the client and is logged in full.
 */
export function toErrorAnswer(
  err: unknown,
  domainAnswers: DomainErrorAnswers,
  logger?: Pick<LoggerService, 'warn' | 'error'>,
): ErrorAnswer {
  if (err instanceof DomainError) {
    const { status, code } = domainAnswers[err.kind];
    return {
      status,
      code,
      message: err.message,
      retryAfterSeconds: retryAfterSeconds(status, err.retryAfterSeconds),
    };
  }
  if (err instanceof ApiError) {
    return {
      status: err.status,
      code: err.code,
      message: err.message,
      retryAfterSeconds: retryAfterSeconds(err.status, err.retryAfterSeconds),
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status < 500) {
      return {
        status,
        code: CODE_BY_STATUS[status] ?? ErrorCode.InvalidRequest,
        message: err.message,
      };
    }
    if (status === 503) {
      return {
        status,
        code: ErrorCode.Unavailable,
        message: err.message,
        retryAfterSeconds: retryAfterSeconds(status),
      };
    }
  }
  // Fastify's own errors (bad JSON, body too large, wrong content type) carry statusCode.
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = err instanceof Error ? err.message : 'invalid request';
    return {
      status: statusCode,
      code: CODE_BY_STATUS[statusCode] ?? ErrorCode.InvalidRequest,
      message,
    };
  }
  if (isDependencyDown(err)) {
    logger?.warn(`dependency unavailable: ${(err as Error).message}`);
    return {
      status: 503,
      code: ErrorCode.Unavailable,
      message: 'a dependency is unavailable, nothing was changed',
      retryAfterSeconds: retryAfterSeconds(503),
    };
  }
  logger?.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return { status: 500, code: ErrorCode.Internal, message: 'internal error' };
}

export function sendError(reply: FastifyReply, answer: ErrorAnswer): void {
  // Error answers name their request, as the lines logged about them do.
  void reply.header(REQUEST_ID_HEADER, reply.request.id);
  if (answer.retryAfterSeconds !== undefined) {
    void reply.header('Retry-After', String(answer.retryAfterSeconds));
  }
  void reply.status(answer.status).send(errorBody(answer.code, answer.message));
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly domainAnswers: DomainErrorAnswers) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    // What is logged names the request, as its request line does (libs/logging).
    const reqId = http.getRequest<FastifyRequest>().id;
    const logger = {
      warn: (message: string) => this.logger.warn({ reqId }, message),
      error: (message: string) => this.logger.error({ reqId }, message),
    };
    sendError(reply, toErrorAnswer(err, this.domainAnswers, logger));
  }
}
