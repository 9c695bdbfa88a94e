import { errorCodeOf } from './error-code.js';

describe('the code of a refusal', () => {
  it("is the error envelope's code", () => {
    expect(errorCodeOf(409, '{"error":{"code":"SOLD_OUT","message":"sold out"}}')).toBe('SOLD_OUT');
    expect(errorCodeOf(503, '{"error":{"code":"UNAVAILABLE","message":"down"}}')).toBe(
      'UNAVAILABLE',
    );
  });

  it('is the status for a body without one: HTML, JSON of another shape, nothing', () => {
    expect(errorCodeOf(502, '<html>Bad Gateway</html>')).toBe('502');
    expect(errorCodeOf(400, '{"message":"no"}')).toBe('400');
    expect(errorCodeOf(504, '')).toBe('504');
    expect(errorCodeOf(500, null)).toBe('500');
  });
});
