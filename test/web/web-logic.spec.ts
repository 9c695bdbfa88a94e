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
