import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { addressGroup } from './address-group';
import type { AppConfig } from '@flash/config';
import { TokenCache } from '@flash/auth';
import { DomainError } from '@flash/errors';
import type { SoldOutRegistry } from '@flash/inventory';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * The project's throttler: a refusal is a `rate_limited` error with the time to come back,
 * which the app answers `429 RATE_LIMITED` with `Retry-After` (the stock guard would name the
 * header after the throttler, Retry-After-buyer).
 */
@Injectable()
export class FlashThrottlerGuard extends ThrottlerGuard {
  /**
   * When every throttler's own skipIf passes on a request (a purchase under the Redis
   * strategy, with no per-address limit), the guard's answer is already known: skip the
   * metadata lookups it would make per throttler. Route-level @SkipThrottle or @Throttle
   * cannot change a skip that the throttler itself decided.
   */
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(this.throttlers.every((t) => t.skipIf?.(context) === true));
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new DomainError(
      'rate_limited',
      'too many requests: slow down',
      Math.max(1, detail.timeToBlockExpire),
    );
  }
}

const PURCHASE_ROUTE = '/sales/:id/purchase';

/**
 * Three limits, each per route and counted in Redis: per buyer (the token's subject, for
 * requests that carry a valid buyer token; admins are exempt; the purchase route's is
 * counted by purchase.lua instead, per buyer per sale), per client address (every request),
 * and per client address for requests with no valid token (RATE_LIMIT_ANONYMOUS: anonymous
 * routes have no buyer to count). Each can be switched off with 0. The per-address limit on
 * every request is off by default: behind a proxy without TRUST_PROXY every request has the
 * proxy's address, and a load test sends everything from one address. None counts a
 * purchase that will be answered SOLD_OUT from memory.
 */
export function throttlerOptions(
  config: AppConfig,
  storage: RedisThrottlerStorage,
  soldOut: Pick<SoldOutRegistry, 'isSoldOut'>,
): ThrottlerModuleOptions {
  const tokens = new TokenCache(config.jwtSecret, undefined, config.jwtMaxLifetimeSeconds);
  // skipIf and getTracker both ask for the buyer: verify the token once per request.
  const buyers = new WeakMap<FastifyRequest, string | null>();
  const buyerOf = (req: FastifyRequest): string | null => {
    const known = buyers.get(req);
    if (known !== undefined) return known;
    const header = req.headers.authorization;
    const result =
      header && header.startsWith('Bearer ') ? tokens.verify(header.slice(7).trim()) : null;
    // Operators (admin tokens) are not who floods a sale; their dashboards poll stats.
    const buyer = result?.ok && result.principal.role === 'buyer' ? result.principal.sub : null;
    buyers.set(req, buyer);
    return buyer;
  };
  const request = (context: ExecutionContext) =>
    context.switchToHttp().getRequest<FastifyRequest>();
  const { windowMs, perBuyer, perIp, perAnonymous } = config.rateLimit;
  // Any valid token, buyer's or admin's: such requests are counted per buyer instead.
  const holders = new WeakMap<FastifyRequest, boolean>();
  const hasToken = (req: FastifyRequest): boolean => {
    const known = holders.get(req);
    if (known !== undefined) return known;
    const header = req.headers.authorization;
    const ok = header?.startsWith('Bearer ') === true && tokens.verify(header.slice(7).trim()).ok;
    holders.set(req, ok);
    return ok;
  };
  const isPurchase = (req: FastifyRequest) =>
    req.method === 'POST' && req.routeOptions.url === PURCHASE_ROUTE;
  // Under the Redis strategy purchase.lua counts the purchase route's per-buyer limit in
  // the purchase's own script call: a second call here would double the round trips.
  const countedByScript = (context: ExecutionContext): boolean =>
    config.purchaseStrategy === 'redis' && isPurchase(request(context));
  // A late purchase of a sale this process knows is sold out is answered from memory (see
  // RedisPurchaseService): counting it would cost the Redis call the answer itself saves.
  const freeAnswer = (context: ExecutionContext): boolean => {
    const req = request(context);
    if (!isPurchase(req)) return false;
    if (req.headers['idempotency-key'] !== undefined) return false;
    const { id } = req.params as { id?: string };
    return typeof id === 'string' && soldOut.isSoldOut(id.toLowerCase());
  };
  return {
    storage,
    setHeaders: false,
    throttlers: [
      {
        name: 'buyer',
        ttl: windowMs,
        limit: perBuyer,
        skipIf: (context) =>
          perBuyer === 0 ||
          countedByScript(context) ||
          freeAnswer(context) ||
          buyerOf(request(context)) === null,
        getTracker: (req) => `buyer:${buyerOf(req as FastifyRequest) ?? ''}`,
      },
      {
        name: 'ip',
        ttl: windowMs,
        limit: perIp,
        skipIf: (context) => perIp === 0 || freeAnswer(context),
        getTracker: (req) => `ip:${addressGroup((req as FastifyRequest).ip)}`,
      },
      {
        // Anonymous callers (sales, health, dev tokens) have no buyer to count: their address is.
        name: 'anonymous',
        ttl: windowMs,
        limit: perAnonymous,
        skipIf: (context) => perAnonymous === 0 || hasToken(request(context)),
        getTracker: (req) => `anon:${addressGroup((req as FastifyRequest).ip)}`,
      },
    ],
  };
}
