import {
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  Principal,
  VerifyResult,
  verifyTokenWithExpiry,
} from './jwt';

interface Entry {
  principal: Principal;
  expSeconds: number;
}

/**
 * Remembers tokens that verified, keyed by the whole token (signature included), so a
 * buyer hammering the purchase button costs one HMAC, not one per click. Expiry is still
 * checked on every use. Bounded: when full, the oldest half is dropped.
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly secret: string,
    private readonly maxEntries = 100_000,
    private readonly maxLifetimeSeconds = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  ) {}

  verify(token: string, nowSeconds = Date.now() / 1000): VerifyResult {
    const hit = this.entries.get(token);
    if (hit) {
      if (hit.expSeconds > nowSeconds) return { ok: true, principal: hit.principal };
      this.entries.delete(token);
      return { ok: false, reason: 'token expired' };
    }
    const result = verifyTokenWithExpiry(token, this.secret, nowSeconds, this.maxLifetimeSeconds);
    if (!result.ok) return result;
    if (this.entries.size >= this.maxEntries) this.evictOldestHalf();
    this.entries.set(token, { principal: result.principal, expSeconds: result.expSeconds });
    return { ok: true, principal: result.principal };
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOldestHalf(): void {
    let drop = Math.floor(this.entries.size / 2);
    for (const key of this.entries.keys()) {
      if (drop-- <= 0) break;
      this.entries.delete(key);
    }
  }
}
