import { createHmac } from 'node:crypto';
import { signToken, verifyToken } from './jwt';
import { TokenCache } from './token-cache';

const SECRET = 'a-test-secret-that-is-long-enough-000';
const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('HS256 tokens', () => {
  it('round-trips a buyer and an admin', () => {
    expect(verifyToken(signToken({ sub: 'alice', exp: NOW + 60 }, SECRET), SECRET, NOW)).toEqual({
      ok: true,
      principal: { sub: 'alice', role: 'buyer' },
    });
    const admin = verifyToken(
      signToken({ sub: 'root', exp: NOW + 60, role: 'admin' }, SECRET),
      SECRET,
      NOW,
    );
    expect(admin.ok && admin.principal.role).toBe('admin');
  });

  it.each([
    ['expired', signToken({ sub: 'a', exp: NOW - 1 }, SECRET), 'token expired'],
    [
      'signed with another secret',
      signToken({ sub: 'a', exp: NOW + 60 }, 'another-secret-another-secret-000'),
      'bad signature',
    ],
    ['without exp', signToken({ sub: 'a' } as never, SECRET), 'exp required'],
    ['with a bad subject', signToken({ sub: 'a b', exp: NOW + 60 }, SECRET), 'bad subject'],
    [
      'with a too long subject',
      signToken({ sub: 'a'.repeat(65), exp: NOW + 60 }, SECRET),
      'bad subject',
    ],
    [
      'with an unknown role',
      signToken({ sub: 'a', exp: NOW + 60, role: 'root' }, SECRET),
      'unknown role',
    ],
    [
      'not yet valid',
      signToken({ sub: 'a', exp: NOW + 60, nbf: NOW + 600 }, SECRET),
      'token not yet valid',
    ],
    ['malformed', 'not.a.token!', 'malformed token'],
    ['two parts', 'abc.def', 'malformed token'],
  ])('refuses a token %s', (_name, token, reason) => {
    expect(verifyToken(token, SECRET, NOW)).toEqual({ ok: false, reason });
  });

  it('refuses alg none, even with an empty signature', () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'a', exp: NOW + 60, role: 'admin' })}.`;
    expect(verifyToken(token, SECRET, NOW).ok).toBe(false);
    const withSig = `${b64({ alg: 'none' })}.${b64({ sub: 'a', exp: NOW + 60 })}.AAAA`;
    expect(verifyToken(withSig, SECRET, NOW)).toEqual({
      ok: false,
      reason: 'unsupported token algorithm',
    });
  });

  it('refuses HS512 and other algorithms', () => {
    const header = b64({ alg: 'HS512', typ: 'JWT' });
    const payload = b64({ sub: 'a', exp: NOW + 60 });
    const sig = createHmac('sha512', SECRET).update(`${header}.${payload}`).digest('base64url');
    expect(verifyToken(`${header}.${payload}.${sig}`, SECRET, NOW)).toEqual({
      ok: false,
      reason: 'unsupported token algorithm',
    });
  });

  it('refuses a payload changed after signing', () => {
    const [h, , s] = signToken({ sub: 'alice', exp: NOW + 60 }, SECRET).split('.');
    const forged = `${h}.${b64({ sub: 'alice', exp: NOW + 60, role: 'admin' })}.${s}`;
    expect(verifyToken(forged, SECRET, NOW)).toEqual({ ok: false, reason: 'bad signature' });
  });
});

describe('token lifetime', () => {
  const DAY = 24 * 3600;

  it('refuses a token that expires too far ahead, with or without iat', () => {
    const far = signToken({ sub: 'alice', exp: 32_503_680_000 }, SECRET); // the year 2999
    expect(verifyToken(far, SECRET, NOW)).toEqual({
      ok: false,
      reason: 'token lifetime exceeds the maximum',
    });
    const long = signToken({ sub: 'alice', iat: NOW - DAY, exp: NOW + 60 }, SECRET);
    expect(verifyToken(long, SECRET, NOW, DAY).ok).toBe(false);
  });

  it('accepts a token within the bound, and the bound is a setting', () => {
    const day = signToken({ sub: 'alice', iat: NOW, exp: NOW + DAY }, SECRET);
    expect(verifyToken(day, SECRET, NOW, DAY).ok).toBe(true);
    expect(verifyToken(day, SECRET, NOW, 3600).ok).toBe(false);
    expect(new TokenCache(SECRET, 10, 3600).verify(day, NOW).ok).toBe(false);
  });

  it('refuses a malformed iat', () => {
    const token = signToken({ sub: 'alice', exp: NOW + 60, iat: 'yesterday' as never }, SECRET);
    expect(verifyToken(token, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed claims' });
  });
});

describe('TokenCache', () => {
  it('answers a repeated token from memory and still honours expiry', () => {
    const cache = new TokenCache(SECRET, 10);
    const token = signToken({ sub: 'alice', exp: NOW + 60 }, SECRET);
    expect(cache.verify(token, NOW).ok).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.verify(token, NOW + 30).ok).toBe(true);
    expect(cache.verify(token, NOW + 61)).toEqual({ ok: false, reason: 'token expired' });
    expect(cache.size).toBe(0);
  });

  it('never caches a refused token and stays bounded', () => {
    const cache = new TokenCache(SECRET, 4);
    expect(cache.verify('bad.token.here', NOW).ok).toBe(false);
    expect(cache.size).toBe(0);
    for (let i = 0; i < 10; i++)
      cache.verify(signToken({ sub: `b${i}`, exp: NOW + 60 }, SECRET), NOW);
    expect(cache.size).toBeLessThanOrEqual(4);
  });
});
