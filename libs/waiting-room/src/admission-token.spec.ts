import { signAdmission, verifyAdmission } from './admission-token';

const SECRET = 'admission-secret-for-tests-0123456789';
const NOW = 1_800_000_000_000;
const claims = { s: 'sale-1', b: 'alice', t: 42, e: NOW + 60_000 };

describe('admission tokens', () => {
  it('verify for their buyer and sale until they expire', () => {
    const token = signAdmission(claims, SECRET);
    expect(verifyAdmission(token, SECRET, 'sale-1', 'alice', NOW)).toEqual({ ok: true, claims });
    expect(verifyAdmission(token, SECRET, 'sale-1', 'alice', NOW + 60_000)).toEqual({
      ok: false,
      reason: 'admission token expired',
    });
  });

  it("refuse another buyer's or another sale's token", () => {
    const token = signAdmission(claims, SECRET);
    expect(verifyAdmission(token, SECRET, 'sale-1', 'mallory', NOW)).toEqual({
      ok: false,
      reason: 'admission token is for another buyer',
    });
    expect(verifyAdmission(token, SECRET, 'sale-2', 'alice', NOW)).toEqual({
      ok: false,
      reason: 'admission token is for another sale',
    });
  });

  it('refuse forgeries: another secret, a changed payload, a truncated signature', () => {
    const other = signAdmission(claims, 'another-secret-another-secret-0000');
    expect(verifyAdmission(other, SECRET, 'sale-1', 'alice', NOW).ok).toBe(false);
    const [v, , sig] = signAdmission(claims, SECRET).split('.');
    const changed = Buffer.from(JSON.stringify({ ...claims, e: NOW + 10 ** 9 })).toString(
      'base64url',
    );
    expect(verifyAdmission(`${v}.${changed}.${sig}`, SECRET, 'sale-1', 'alice', NOW)).toEqual({
      ok: false,
      reason: 'bad admission token signature',
    });
    expect(
      verifyAdmission(signAdmission(claims, SECRET).slice(0, -2), SECRET, 'sale-1', 'alice', NOW)
        .ok,
    ).toBe(false);
  });

  it.each(['', 'v1', 'v1..', 'v2.abc.def', 'x'.repeat(600), 'v1.e30.' + 'A'.repeat(43)])(
    'refuse malformed input %#',
    (token) => {
      expect(verifyAdmission(token, SECRET, 'sale-1', 'alice', NOW).ok).toBe(false);
    },
  );

  it('refuse a validly signed payload without the claims', () => {
    const token = signAdmission({ s: 'sale-1' } as never, SECRET);
    expect(verifyAdmission(token, SECRET, 'sale-1', 'alice', NOW)).toEqual({
      ok: false,
      reason: 'malformed admission token',
    });
  });
});
