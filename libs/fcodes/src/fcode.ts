import { createHash, randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so a code read aloud or retyped survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A new F-code: 80 random bits as XXXX-XXXX-XXXX-XXXX. With that much entropy a plain
 * SHA-256 is enough to store it: nobody can enumerate 2^80 candidates against the hashes.
 */
export function generateFcode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out.match(/.{4}/g)!.join('-');
}

/** What Redis and Postgres keep of a code: its SHA-256, hex. */
export function hashFcode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}
