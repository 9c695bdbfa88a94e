import { requestId } from './request-id';
import { requestLogLevel } from './logging.module';

describe('requestId', () => {
  it('keeps a plain id a balancer or client sent', () => {
    expect(requestId('lb-7f3a.01:22')).toBe('lb-7f3a.01:22');
    expect(requestId(['first', 'second'])).toBe('first');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'a'.repeat(65)],
    ['with spaces', 'a b'],
    ['with a newline (log injection)', 'abc\n{"level":60}'],
    ['with quotes', '"x"'],
  ])('replaces one %s with an id of its own', (_what, given) => {
    expect(requestId(given)).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
  });

  it('never gives the same id twice', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => requestId(undefined)));
    expect(ids.size).toBe(1000);
  });
});

describe('requestLogLevel', () => {
  it('logs answered requests at debug, refusals included, so info has no line per purchase', () => {
    for (const status of [200, 202, 400, 401, 404, 409, 429]) {
      expect(requestLogLevel(status, false)).toBe('debug');
    }
  });

  it('logs a 503 answered during an outage at debug too: an outage must not add a line per attempt', () => {
    expect(requestLogLevel(503, false)).toBe('debug');
  });

  it('logs unexpected server errors and failed requests at error', () => {
    expect(requestLogLevel(500, false)).toBe('error');
    expect(requestLogLevel(502, false)).toBe('error');
    expect(requestLogLevel(200, true)).toBe('error');
  });
});
