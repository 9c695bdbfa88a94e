import { ExecutionContext, Injectable } from '@nestjs/common';
import {
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  normalizeIp,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '@flash/config';
import { TokenCache } from '@flash/auth';
import { ApiError, ErrorCode } from '@flash/http';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * The project's throttler: refusals in the contract's shape, `429 RATE_LIMITED` with
 * `Retry-After` (the stock guard names the header after the throttler, Retry-After-buyer).
 */
@Injectable()
export class FlashThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new ApiError(
      429,
      ErrorCode.RateLimited,
      'too many requests: slow down',
      Math.max(1, detail.timeToBlockExpire),
    );
  }
}

/**
 * Two limits, each per route and counted in Redis: per buyer (the token's subject, for
 * requests that carry a valid token), and per client address (every request). Either can
 * be switched off with 0. The per-address limit is off by default: behind a proxy without
 * TRUST_PROXY every request has the proxy's address, and a load test sends everything
 * from one address.
 */
export function throttlerOptions(
  config: AppConfig,
  storage: RedisThrottlerStorage,
): ThrottlerModuleOptions {
  const tokens = new TokenCache(config.jwtSecret);
  const buyerOf = (req: FastifyRequest): string | null => {
    const header = req.headers.authorization;
    if (!header || !header.startsWith('Bearer ')) return null;
    const result = tokens.verify(header.slice(7).trim());
    return result.ok ? result.principal.sub : null;
  };
  const request = (context: ExecutionContext) =>
    context.switchToHttp().getRequest<FastifyRequest>();
  const { windowMs, perBuyer, perIp } = config.rateLimit;
  return {
    storage,
    setHeaders: false,
    throttlers: [
      {
        name: 'buyer',
        ttl: windowMs,
        limit: perBuyer,
        skipIf: (context) => perBuyer === 0 || buyerOf(request(context)) === null,
        getTracker: (req) => `buyer:${buyerOf(req as FastifyRequest) ?? ''}`,
      },
      {
        name: 'ip',
        ttl: windowMs,
        limit: perIp,
        skipIf: () => perIp === 0,
        getTracker: (req) => `ip:${normalizeIp((req as FastifyRequest).ip, 64)}`,
      },
    ],
  };
}
