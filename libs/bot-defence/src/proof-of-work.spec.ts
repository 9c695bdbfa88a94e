import { createHash } from 'node:crypto';
import {
  checkSolution,
  issueChallenge,
  leadingZeroBits,
  readChallenge,
  solveChallenge,
  workOf,
} from './index';

const SECRET = 's'.repeat(40);
const SALE = '0190a000-0000-7000-8000-000000000001';
const NOW = 1_800_000_000_000;

const challenge = (difficulty = 8, overrides: Record<string, unknown> = {}) =>
  issueChallenge(
    { saleId: SALE, buyerId: 'alice', expiresAtMs: NOW + 60_000, difficulty, ...overrides },
    SECRET,
  );
const expected = { saleId: SALE, buyerId: 'alice', nowMs: NOW };

describe('proof of work', () => {
  it('counts leading zero bits', () => {
    expect(leadingZeroBits(Uint8Array.from([0, 0, 0x80]))).toBe(16);
    expect(leadingZeroBits(Uint8Array.from([0, 0x01]))).toBe(15);
    expect(leadingZeroBits(Uint8Array.from([0xff]))).toBe(0);
    expect(leadingZeroBits(new Uint8Array(4))).toBe(32);
  });

  it('accepts a solution with the work asked, and says what the challenge was', () => {
    const token = challenge(10);
    const solution = solveChallenge(token, 10);
    expect(workOf(token, solution)).toBeGreaterThanOrEqual(10);
    const digest = createHash('sha256').update(`${token}:${solution}`).digest();
    expect(leadingZeroBits(digest)).toBeGreaterThanOrEqual(10);
    expect(checkSolution(token, solution, SECRET, expected)).toMatchObject({
      kind: 'ok',
      challenge: { saleId: SALE, buyerId: 'alice', difficulty: 10 },
    });
  });

  it('refuses too little work', () => {
    const token = challenge(12);
    // A solution found for an easier target almost never has 12 bits.
    let weak = '';
    for (let n = 0; ; n++) {
      if (workOf(token, n.toString(36)) < 12) {
        weak = n.toString(36);
        break;
      }
    }
    expect(checkSolution(token, weak, SECRET, expected).kind).toBe('insufficient');
  });

  it('refuses a forged, altered, expired or misdirected challenge', () => {
    const token = challenge(4);
    const solution = solveChallenge(token, 4);
    // Lowering the difficulty in the token breaks its signature.
    const easier = token.replace('.4.', '.0.');
    expect(checkSolution(easier, solution, SECRET, expected).kind).toBe('forged');
    expect(checkSolution(token, solution, 'x'.repeat(40), expected).kind).toBe('forged');
    expect(checkSolution(token, solution, SECRET, { ...expected, buyerId: 'bob' }).kind).toBe(
      'wrong_buyer',
    );
    expect(checkSolution(token, solution, SECRET, { ...expected, saleId: 'other-sale' }).kind).toBe(
      'wrong_sale',
    );
    expect(checkSolution(token, solution, SECRET, { ...expected, nowMs: NOW + 60_000 }).kind).toBe(
      'expired',
    );
  });

  it.each([
    ['empty', ''],
    ['not ours', 'abc'],
    ['too many fields', `${'a.'.repeat(7)}a`],
    ['a hostile buyer field', 'pow1.sale.al ice.n.1.1.sig'],
    ['a difficulty out of range', 'pow1.sale.alice.n.1.99.sig'],
  ])('reads %s as malformed', (_what, token) => {
    expect(readChallenge(token, SECRET)).toEqual({ ok: false, kind: 'malformed' });
  });

  it('refuses a malformed solution before hashing', () => {
    expect(checkSolution(challenge(0), 'not valid!', SECRET, expected).kind).toBe('malformed');
    expect(checkSolution(challenge(0), 'a'.repeat(33), SECRET, expected).kind).toBe('malformed');
  });

  it('gives each challenge its own nonce', () => {
    const nonces = new Set(
      Array.from({ length: 100 }, () => readChallenge(challenge(), SECRET)).map((r) =>
        r.ok ? r.challenge.nonce : '',
      ),
    );
    expect(nonces.size).toBe(100);
  });
});
