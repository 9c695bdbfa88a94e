import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Admission tokens: proof that the waiting room let this buyer into this sale, for a short
 * time. `v1.<payload>.<HMAC-SHA256>`, base64url, signed with ADMISSION_TOKEN_SECRET (never the
 * JWT secret, so neither kind of token passes for the other). The signature makes them
 * unforgeable, sale and buyer bind them, `e` bounds them; that an admission buys once is
 * recorded by purchase.lua in Redis, so a replay after a purchase is refused there.
 */
export interface AdmissionClaims {
  /** sale id */
  s: string;
  /** buyer id */
  b: string;
  /** ticket number */
  t: number;
  /** expiry, ms since the epoch */
  e: number;
}

export type AdmissionCheck = { ok: true; claims: AdmissionClaims } | { ok: false; reason: string };

const VERSION = 'v1';
const SHAPE = /^v1\.[A-Za-z0-9_-]{1,400}\.[A-Za-z0-9_-]{43}$/;

function mac(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signAdmission(claims: AdmissionClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const input = `${VERSION}.${payload}`;
  return `${input}.${mac(input, secret).toString('base64url')}`;
}

export function verifyAdmission(
  token: string,
  secret: string,
  saleId: string,
  buyerId: string,
  nowMs = Date.now(),
): AdmissionCheck {
  if (!SHAPE.test(token)) return { ok: false, reason: 'malformed admission token' };
  const [version, payload, signature] = token.split('.');
  const expected = mac(`${version}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad admission token signature' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed admission token' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed admission token' };
  if (claims.s !== saleId) return { ok: false, reason: 'admission token is for another sale' };
  if (claims.b !== buyerId) return { ok: false, reason: 'admission token is for another buyer' };
  if (claims.e <= nowMs) return { ok: false, reason: 'admission token expired' };
  return { ok: true, claims };
}

function isClaims(value: unknown): value is AdmissionClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.s === 'string' &&
    typeof c.b === 'string' &&
    Number.isSafeInteger(c.t) &&
    Number.isSafeInteger(c.e)
  );
}
