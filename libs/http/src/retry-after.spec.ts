import { UNAVAILABLE_RETRY_SECONDS, retryAfterSeconds } from './retry-after';

describe('the Retry-After rule', () => {
  it('gives a 503 a delay, its own when it has one', () => {
    expect(retryAfterSeconds(503)).toBe(UNAVAILABLE_RETRY_SECONDS);
    expect(retryAfterSeconds(503, 5)).toBe(5);
  });

  it('gives other answers only the delay they carry (a 429 its block)', () => {
    expect(retryAfterSeconds(429, 3)).toBe(3);
    expect(retryAfterSeconds(409)).toBeUndefined();
    expect(retryAfterSeconds(400)).toBeUndefined();
  });
});
