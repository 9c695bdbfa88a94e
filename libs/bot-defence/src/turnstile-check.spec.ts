import { TurnstileCheck } from './turnstile-check';

const settings = {
  secretKey: 's3cret',
  verifyUrl: 'http://127.0.0.1:9/siteverify',
  timeoutMs: 50,
  hostnames: ['shop.example'],
};
/** What siteverify says of a good token solved on the shop's page for joining the line. */
const good = { success: true, 'error-codes': [], hostname: 'shop.example', action: 'join' };

/** A fetch that answers as told, and keeps what it was sent. */
function fakeFetch(answer: () => Promise<Response>) {
  const sent: { url: string; form: URLSearchParams }[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    sent.push({ url, form: new URLSearchParams(init.body as URLSearchParams) });
    return answer();
  }) as unknown as typeof fetch;
  return { fn, sent };
}

const json = (value: unknown, status = 200) =>
  Promise.resolve(new Response(JSON.stringify(value), { status }));

describe('TurnstileCheck', () => {
  it('posts the secret, the token and the address to siteverify, and passes on success', async () => {
    const fetch = fakeFetch(() => json(good));
    const check = new TurnstileCheck(settings, fetch.fn);
    expect(await check.verify('tok', '10.0.0.7', 'join')).toEqual({ kind: 'human' });
    expect(fetch.sent[0].url).toBe(settings.verifyUrl);
    expect(Object.fromEntries(fetch.sent[0].form)).toMatchObject({
      secret: 's3cret',
      response: 'tok',
      remoteip: '10.0.0.7',
    });
  });

  it("rejects the buyer's token only when the fault is the token's", async () => {
    const rejected = new TurnstileCheck(
      settings,
      fakeFetch(() => json({ success: false, 'error-codes': ['timeout-or-duplicate'] })).fn,
    );
    expect(await rejected.verify('tok', undefined, 'join')).toEqual({
      kind: 'rejected',
      codes: ['timeout-or-duplicate'],
    });
    for (const code of ['internal-error', 'invalid-input-secret']) {
      const ours = new TurnstileCheck(
        settings,
        fakeFetch(() => json({ success: false, 'error-codes': [code] })).fn,
      );
      expect(await ours.verify('tok', undefined, 'join')).toEqual({
        kind: 'unavailable',
        reason: `siteverify: ${code}`,
      });
    }
  });

  it('has no verdict when siteverify fails, answers nonsense, or takes too long', async () => {
    const cases: [() => Promise<Response>, string][] = [
      [() => json({}, 502), 'siteverify answered 502'],
      [() => Promise.resolve(new Response('<html>')), 'not a siteverify answer'],
      [() => json({ success: 'yes' }), 'not a siteverify answer'],
      [() => Promise.reject(new TypeError('fetch failed')), 'unreachable'],
    ];
    for (const [answer, reason] of cases) {
      const check = new TurnstileCheck(settings, fakeFetch(answer).fn);
      expect(await check.verify('tok', undefined, 'join')).toEqual({ kind: 'unavailable', reason });
    }
    // A siteverify that never answers: the check's own timeout ends the wait.
    const slow = new TurnstileCheck(
      { ...settings, timeoutMs: 50 },
      ((_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason as Error)),
        )) as unknown as typeof fetch,
    );
    expect(await slow.verify('tok', undefined, 'join')).toEqual({
      kind: 'unavailable',
      reason: 'no answer in 50 ms',
    });
  });

  it('refuses a good token solved on another site, or for another action', async () => {
    const answers: [Record<string, unknown>, string][] = [
      [{ ...good, hostname: 'evil.example' }, 'hostname-mismatch'],
      [{ ...good, hostname: undefined }, 'hostname-mismatch'],
      [{ ...good, action: 'register' }, 'action-mismatch'],
      [{ ...good, action: undefined }, 'action-mismatch'],
    ];
    for (const [answer, code] of answers) {
      const check = new TurnstileCheck(settings, fakeFetch(() => json(answer)).fn);
      expect(await check.verify('tok', undefined, 'join')).toEqual({
        kind: 'rejected',
        codes: [code],
      });
    }
  });
});
