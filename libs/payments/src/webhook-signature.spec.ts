import { signPayload, verifyPayload } from './webhook-signature';

const SECRET = 'whsec-test-secret-test-secret-0000';
const NOW = 1_800_000_000;
const body = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded' });

describe('webhook signatures', () => {
  it('verifies what it signed', () => {
    expect(verifyPayload(SECRET, body, signPayload(SECRET, body, NOW), 300, NOW)).toEqual({
      ok: true,
    });
    expect(
      verifyPayload(SECRET, Buffer.from(body), signPayload(SECRET, body, NOW - 299), 300, NOW).ok,
    ).toBe(true);
  });

  it.each([
    ['no header', undefined, 'missing signature'],
    ['garbage', 'hello', 'malformed signature'],
    ['no v1', `t=${NOW}`, 'malformed signature'],
    ['another secret', signPayload('another-secret-another-secret-00', body, NOW), 'bad signature'],
    ['a changed body', signPayload(SECRET, body.replace('evt_1', 'evt_2'), NOW), 'bad signature'],
    [
      'an old timestamp',
      signPayload(SECRET, body, NOW - 301),
      'signature timestamp outside tolerance',
    ],
    [
      'a future timestamp',
      signPayload(SECRET, body, NOW + 301),
      'signature timestamp outside tolerance',
    ],
  ])('refuses %s', (_name, header, reason) => {
    expect(verifyPayload(SECRET, body, header, 300, NOW)).toEqual({ ok: false, reason });
  });

  it('refuses a signature moved to another timestamp', () => {
    const [, v1] = signPayload(SECRET, body, NOW - 1000).split(',');
    expect(verifyPayload(SECRET, body, `t=${NOW},${v1}`, 300, NOW)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });
});
