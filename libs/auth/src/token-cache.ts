import { Principal, verifyToken } from './jwt';

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
  ) {}

  verify(token: string, nowSeconds = Date.now() / 1000): ReturnType<typeof verifyToken> {
    const hit = this.entries.get(token);
    if (hit) {
      if (hit.expSeconds > nowSeconds) return { ok: true, principal: hit.principal };
      this.entries.delete(token);
      return { ok: false, reason: 'token expired' };
    }
    const result = verifyToken(token, this.secret, nowSeconds);
    if (result.ok) {
      if (this.entries.size >= this.maxEntries) this.evictOldestHalf();
      this.entries.set(token, { principal: result.principal, expSeconds: expOf(token) });
    }
    return result;
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

/** exp of a token that has just verified (so its payload is known to be well-formed). */
function expOf(token: string): number {
  const payload = token.slice(token.indexOf('.') + 1, token.lastIndexOf('.'));
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number }).exp;
}
