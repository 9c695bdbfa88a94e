import {
  BadRequestException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiError, ErrorCode } from './api-error';
import { DomainError } from '@flash/errors';
import { DomainErrorAnswers, toErrorAnswer as answerWith } from './error.filter';

/** An app's answers for its libs' errors (the API's own table is apps/api/src/http-answers.ts). */
const DOMAIN: DomainErrorAnswers = {
  invalid: { status: 400, code: ErrorCode.InvalidRequest },
  unauthorized: { status: 401, code: ErrorCode.Unauthorized },
  forbidden: { status: 403, code: ErrorCode.Forbidden },
  not_found: { status: 404, code: ErrorCode.NotFound },
  duplicate_event: { status: 409, code: ErrorCode.DuplicateEvent },
  rate_limited: { status: 429, code: ErrorCode.RateLimited },
  unavailable: { status: 503, code: ErrorCode.Unavailable },
};
const toErrorAnswer = (err: unknown) => answerWith(err, DOMAIN);

describe('toErrorAnswer', () => {
  it('keeps ApiError as it is', () => {
    expect(toErrorAnswer(ApiError.forbidden('nope'))).toEqual({
      status: 403,
      code: ErrorCode.Forbidden,
      message: 'nope',
      retryAfterSeconds: undefined,
    });
  });

  it("answers a lib's error as the app's table says, keeping its message", () => {
    expect(toErrorAnswer(new DomainError('not_found', 'no such sale'))).toEqual({
      status: 404,
      code: ErrorCode.NotFound,
      message: 'no such sale',
      retryAfterSeconds: undefined,
    });
    expect(toErrorAnswer(new DomainError('rate_limited', 'slow down', 3))).toMatchObject({
      status: 429,
      retryAfterSeconds: 3,
    });
    // Unavailable always says when to come back.
    expect(toErrorAnswer(new DomainError('unavailable', 'not live')).retryAfterSeconds).toBe(1);
  });

  it('maps Nest and Fastify client errors to contract codes', () => {
    expect(toErrorAnswer(new NotFoundException('Cannot GET /x')).code).toBe(ErrorCode.NotFound);
    expect(toErrorAnswer(new BadRequestException()).code).toBe(ErrorCode.InvalidRequest);
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(toErrorAnswer(tooLarge)).toMatchObject({ status: 413, code: ErrorCode.PayloadTooLarge });
    const badJson = Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });
    expect(toErrorAnswer(badJson)).toMatchObject({ status: 400, code: ErrorCode.InvalidRequest });
  });

  it('answers 503 with Retry-After when a dependency is down', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
      code: 'ECONNREFUSED',
    });
    expect(toErrorAnswer(refused)).toMatchObject({
      status: 503,
      code: ErrorCode.Unavailable,
      retryAfterSeconds: 1,
    });
    const closed = new Error('Connection is closed.');
    expect(toErrorAnswer(closed).status).toBe(503);
    const pgDown = Object.assign(new Error('terminating connection'), { code: '57P01' });
    expect(toErrorAnswer(pgDown).status).toBe(503);
    // ioredis: a command in flight when Redis reset the connection (seen in a fault run).
    const aborted = Object.assign(new Error('Command aborted due to connection close'), {
      name: 'AbortError',
    });
    expect(toErrorAnswer(aborted).status).toBe(503);
    // Redis Cluster in a failover: an auto-pipelined script sent to the old primary's slot.
    const moved = Object.assign(new Error('MOVED 1281 127.0.0.1:33039'), { name: 'ReplyError' });
    expect(toErrorAnswer(moved).status).toBe(503);
    const down = Object.assign(new Error('CLUSTERDOWN The cluster is down'), {
      name: 'ReplyError',
    });
    expect(toErrorAnswer(down).status).toBe(503);
    const script = Object.assign(new Error('ERR user_script:1: MOVED in a message'), {
      name: 'ReplyError',
    });
    expect(toErrorAnswer(script).status).toBe(500);
  });

  it('hides internals on 500', () => {
    const answer = toErrorAnswer(
      new TypeError("Cannot read properties of undefined (reading 'secret')"),
    );
    expect(answer).toEqual({ status: 500, code: ErrorCode.Internal, message: 'internal error' });
    expect(toErrorAnswer(new ServiceUnavailableException('down'))).toMatchObject({
      status: 503,
      code: ErrorCode.Unavailable,
    });
  });
});
