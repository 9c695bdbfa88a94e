import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HS256 JSON Web Tokens, and nothing else: the header must say HS256, so `alg: none`
 * and algorithm-confusion tricks fail before any signature is computed. Small enough
 * to read, and fast on the hot path (one HMAC, two small JSON parses).
 */
export type Role = 'admin' | 'buyer';

export interface Principal {
  sub: string;
  role: Role;
}

export interface TokenClaims {
  sub: string;
  exp: number;
  iat?: number;
  nbf?: number;
  role?: string;
}

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export const BUYER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signToken(claims: TokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const input = `${HEADER}.${payload}`;
  return `${input}.${sign(input, secret).toString('base64url')}`;
}

function parseSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The longest a token may live, checked both ways: from its `iat` to its `exp`, and from now
 * to its `exp` (so a token without `iat` cannot outlive the bound either). A stolen token that
 * never expires is a standing key to someone's account.
 */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** As {@link verifyToken}, also giving the token's expiry (for caches). */
export function verifyTokenWithExpiry(
  token: string,
  secret: string,
  nowSeconds = Date.now() / 1000,
  maxLifetimeSeconds = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
): { ok: true; principal: Principal; expSeconds: number } | { ok: false; reason: string } {
  if (token.length > 4096) return { ok: false, reason: 'token too long' };
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) {
    return { ok: false, reason: 'malformed token' };
  }
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = parseSegment(headerPart);
  if (
    !isObject(header) ||
    header.alg !== 'HS256' ||
    (header.typ !== undefined && header.typ !== 'JWT')
  ) {
    return { ok: false, reason: 'unsupported token algorithm' };
  }
  const expected = sign(`${headerPart}.${payloadPart}`, secret);
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad signature' };
  }
  const claims = parseSegment(payloadPart);
  if (!isObject(claims)) return { ok: false, reason: 'malformed claims' };
  const { sub, exp, iat, nbf, role } = claims;
  if (typeof sub !== 'string' || !BUYER_ID.test(sub)) return { ok: false, reason: 'bad subject' };
  if (typeof exp !== 'number' || !Number.isFinite(exp))
    return { ok: false, reason: 'exp required' };
  if (exp <= nowSeconds) return { ok: false, reason: 'token expired' };
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat)))
    return { ok: false, reason: 'malformed claims' };
  if (
    exp - nowSeconds > maxLifetimeSeconds ||
    (iat !== undefined && exp - iat > maxLifetimeSeconds)
  )
    return { ok: false, reason: 'token lifetime exceeds the maximum' };
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + 5)) {
    return { ok: false, reason: 'token not yet valid' };
  }
  if (role !== undefined && role !== 'admin' && role !== 'buyer') {
    return { ok: false, reason: 'unknown role' };
  }
  return {
    ok: true,
    principal: { sub, role: role === 'admin' ? 'admin' : 'buyer' },
    expSeconds: exp,
  };
}

export function verifyToken(
  token: string,
  secret: string,
  nowSeconds = Date.now() / 1000,
  maxLifetimeSeconds = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
): VerifyResult {
  const result = verifyTokenWithExpiry(token, secret, nowSeconds, maxLifetimeSeconds);
  return result.ok ? { ok: true, principal: result.principal } : result;
}
