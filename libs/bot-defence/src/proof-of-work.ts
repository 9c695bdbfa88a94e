import { createHash, createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SOLUTION_PATTERN, leadingZeroBits, proofOfWorkHeader } from './work-bits';

/**
 * Hashcash-style proof of work for registration and queue joins. The server hands out a
 * challenge: a signed token naming the sale, the buyer, a random nonce, its expiry and the
 * difficulty. The client finds a solution such that SHA-256("<challenge>:<solution>") starts
 * with `difficulty` zero bits (2^difficulty hashes on average). The server checks the
 * signature, the binding and the expiry, then the work with one hash; that the challenge is
 * used once is the caller's one Redis check (its nonce).
 */

/** What a challenge says, once its signature holds. */
export interface Challenge {
  saleId: string;
  buyerId: string;
  nonce: string;
  expiresAtMs: number;
  difficulty: number;
}

export type SolutionCheck =
  | { kind: 'ok'; challenge: Challenge }
  | { kind: 'malformed' | 'forged' | 'wrong_sale' | 'wrong_buyer' | 'expired' | 'insufficient' };

const VERSION = 'pow1';
/** Sales and buyers never contain '.', so the token's fields need no escaping. */
const FIELD = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_DIFFICULTY = 32;

function sign(payload: string, secret: string): string {
  return createHmac('sha256', `pow|${secret}`).update(payload).digest('base64url');
}

export function issueChallenge(
  fields: Omit<Challenge, 'nonce'> & { nonce?: string },
  secret: string,
): string {
  const nonce = fields.nonce ?? randomBytes(12).toString('base64url');
  const payload = [
    VERSION,
    fields.saleId,
    fields.buyerId,
    nonce,
    fields.expiresAtMs,
    fields.difficulty,
  ].join('.');
  return `${payload}.${sign(payload, secret)}`;
}

/** The challenge a token carries, or why it is not one of ours. */
export function readChallenge(
  token: string,
  secret: string,
): { ok: true; challenge: Challenge } | { ok: false; kind: 'malformed' | 'forged' } {
  const parts = token.split('.');
  if (parts.length !== 7 || parts[0] !== VERSION) return { ok: false, kind: 'malformed' };
  const [, saleId, buyerId, nonce, expires, difficulty, signature] = parts;
  const expiresAtMs = Number(expires);
  const bits = Number(difficulty);
  if (
    !FIELD.test(saleId) ||
    !FIELD.test(buyerId) ||
    !FIELD.test(nonce) ||
    !Number.isSafeInteger(expiresAtMs) ||
    !Number.isInteger(bits) ||
    bits < 0 ||
    bits > MAX_DIFFICULTY
  ) {
    return { ok: false, kind: 'malformed' };
  }
  const expected = Buffer.from(sign(parts.slice(0, 6).join('.'), secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, kind: 'forged' };
  }
  return { ok: true, challenge: { saleId, buyerId, nonce, expiresAtMs, difficulty: bits } };
}

export function workOf(token: string, solution: string): number {
  return leadingZeroBits(createHash('sha256').update(proofOfWorkHeader(token, solution)).digest());
}

/**
 * Everything about a solution but its single use: the signature, the sale and buyer it was
 * issued to, the time, and the work (one hash).
 */
export function checkSolution(
  token: string,
  solution: string,
  secret: string,
  expected: { saleId: string; buyerId: string; nowMs: number },
): SolutionCheck {
  if (!SOLUTION_PATTERN.test(solution)) return { kind: 'malformed' };
  const read = readChallenge(token, secret);
  if (!read.ok) return { kind: read.kind };
  const { challenge } = read;
  if (challenge.saleId !== expected.saleId) return { kind: 'wrong_sale' };
  if (challenge.buyerId !== expected.buyerId) return { kind: 'wrong_buyer' };
  if (expected.nowMs >= challenge.expiresAtMs) return { kind: 'expired' };
  if (workOf(token, solution) < challenge.difficulty) return { kind: 'insufficient' };
  return { kind: 'ok', challenge };
}

/**
 * Finds a solution by counting n = 0, 1, ... in base 36 (the driver's and the tests' solver;
 * the pages solve in a Web Worker). Node's one-shot hash: of the ways Node offers, the
 * fastest per try (bench:pow).
 */
export function solveChallenge(token: string, difficulty: number, maxTries = 2 ** 32): string {
  for (let n = 0; n < maxTries; n++) {
    const solution = n.toString(36);
    const digest = hash('sha256', proofOfWorkHeader(token, solution), 'buffer');
    if (leadingZeroBits(digest) >= difficulty) return solution;
  }
  throw new Error(`no solution in ${maxTries} tries`);
}
