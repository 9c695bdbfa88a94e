import { generateFcode, hashFcode } from './fcode';

const PATTERN = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe('F-codes', () => {
  it('are 16 base32 characters in four groups, and never repeat in 100,000', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const code = generateFcode();
      expect(code).toMatch(PATTERN);
      codes.add(code);
    }
    expect(codes.size).toBe(100_000);
  });

  it('use every character of the alphabet, about evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      for (const ch of generateFcode().replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(32);
    const expected = (20_000 * 16) / 32;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.1);
  });

  it('are stored as a SHA-256 that does not reveal them', () => {
    const code = generateFcode();
    expect(hashFcode(code)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashFcode(code)).toBe(hashFcode(code));
    expect(hashFcode(code)).not.toContain(code.replace(/-/g, '').toLowerCase());
  });
});
