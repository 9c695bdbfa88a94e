import { clockOffsetMs } from './server-clock.js';

describe("the server's clock offset", () => {
  it('reads it at the middle of the quickest round trip', () => {
    const samples = [
      { sentMs: 1000, receivedMs: 1100, serverMs: 6000 }, // slow: 4950 off
      { sentMs: 2000, receivedMs: 2010, serverMs: 7005 }, // quickest: 5000 off
      { sentMs: 3000, receivedMs: 3040, serverMs: 8100 },
    ];
    expect(clockOffsetMs(samples)).toBe(5000);
  });

  it('skips trips without the server time, and says 0 when none had it', () => {
    expect(clockOffsetMs([{ sentMs: 0, receivedMs: 1, serverMs: NaN }])).toBe(0);
    expect(
      clockOffsetMs([
        { sentMs: 0, receivedMs: 1, serverMs: NaN },
        { sentMs: 10, receivedMs: 30, serverMs: 1020 },
      ]),
    ).toBe(1000);
  });
});
