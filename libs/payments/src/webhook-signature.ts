import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures in the common `t=<unix seconds>,v1=<hex HMAC-SHA256>` form, computed
 * over `<t>.<raw body>`. The timestamp is signed too, so an old delivery cannot be replayed
 * with a fresh time; deliveries older than the tolerance are refused.
 */
export const SIGNATURE_HEADER = 'flash-signature';

export function signPayload(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyPayload(
  secret: string,
  body: Buffer | string,
  header: string | undefined,
  toleranceSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing signature' };
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) {
    return { ok: false, reason: 'malformed signature' };
  }
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) {
    return { ok: false, reason: 'signature timestamp outside tolerance' };
  }
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex')))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
