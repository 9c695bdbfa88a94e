import { checkSolution, issueChallenge, solveChallenge } from '@flash/bot-defence';
import { searchSolution } from '../../apps/web/src/proof-of-work-solver';
import { ErrorCode } from '@flash/http';
import { ERROR_MESSAGES, explain } from '../../apps/web/src/error-messages';
import { ServerClock } from '../../apps/web/src/server-clock';

describe("the pages' error messages", () => {
  it('have a sentence for every error code the API answers, and no other', () => {
    expect(Object.keys(ERROR_MESSAGES).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it("fall back to the server's message for a code they do not know", () => {
    expect(explain('SOLD_OUT', 'x')).toContain('Sold out');
    expect(explain('SOMETHING_NEW', 'what the server said')).toBe('what the server said');
  });
});

describe('ServerClock', () => {
  it("places the server's reading at the middle of the shortest round trip", () => {
    const clock = new ServerClock();
    // 400 ms round trip: the server read 10:00:00.000 at about 200 ms after sending.
    clock.sample('2026-12-02T10:00:00.000Z', 1_000, 1_400);
    expect(clock.offset).toBe(Date.parse('2026-12-02T10:00:00.000Z') - 1_200);
    // A 20 ms round trip is trusted over it.
    clock.sample('2026-12-02T10:00:05.000Z', 6_000, 6_020);
    expect(clock.offset).toBe(Date.parse('2026-12-02T10:00:05.000Z') - 6_010);
    expect(clock.uncertaintyMs).toBe(10);
    // A slower one later changes nothing.
    clock.sample('2026-12-02T10:00:09.000Z', 7_000, 7_900);
    expect(clock.offset).toBe(Date.parse('2026-12-02T10:00:05.000Z') - 6_010);
  });
});

describe("the page's proof-of-work solver", () => {
  const secret = 'w'.repeat(40);
  const sale = '0190a000-0000-7000-8000-000000000009';

  it('finds the same first solution as the server-side solver, and the server accepts it', () => {
    for (const difficulty of [1, 6, 10]) {
      const challenge = issueChallenge(
        { saleId: sale, buyerId: 'web', difficulty, expiresAtMs: Date.now() + 60_000 },
        secret,
      );
      const found = searchSolution(challenge, difficulty, 0, 1 << 20);
      expect(found?.solution).toBe(solveChallenge(challenge, difficulty));
      expect(
        checkSolution(challenge, found!.solution, secret, {
          saleId: sale,
          buyerId: 'web',
          nowMs: Date.now(),
        }).kind,
      ).toBe('ok');
    }
  });

  it('says so when a slice of tries holds no solution', () => {
    const challenge = issueChallenge(
      { saleId: sale, buyerId: 'web', difficulty: 30, expiresAtMs: Date.now() + 60_000 },
      secret,
    );
    expect(searchSolution(challenge, 30, 0, 100)).toBeNull();
  });
});
