import type { SchemaObject } from 'ajv';
import { ApiError } from './api-error';
import { compileValidator, parseIdempotencyKey, parseIsoDate, parseUuid } from './validation';

interface Body {
  quantity?: number;
}
const schema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: { quantity: { type: 'integer', minimum: 1, maximum: 1000 } },
};
const validate = compileValidator<Body>(schema);

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).message;
  }
  throw new Error('expected a rejection');
}

describe('request validation', () => {
  it('accepts good bodies', () => {
    expect(validate({ quantity: 2 })).toEqual({ quantity: 2 });
    expect(validate({})).toEqual({});
  });

  it.each([0, -1, 1.5, '1', 1e9, null, true, [1]])('rejects quantity %p', (quantity) => {
    expect(rejection(() => validate({ quantity }))).toMatch(/^quantity /);
  });

  it('names unknown fields and wrong body types', () => {
    expect(rejection(() => validate({ quantity: 1, admin: true }))).toBe('unknown field "admin"');
    expect(rejection(() => validate([]))).toBe('body must be object');
    expect(rejection(() => validate('{"quantity":1}'))).toBe('body must be object');
  });

  it('checks UUIDs, dates and idempotency keys', () => {
    expect(parseUuid('0F8FAD5B-D9CB-469F-A165-70867728950E', 'id')).toBe(
      '0f8fad5b-d9cb-469f-a165-70867728950e',
    );
    expect(rejection(() => parseUuid('1; drop table', 'sale id'))).toBe('sale id must be a UUID');
    expect(parseIsoDate('2012-05-18T12:00:00+08:00', 'startsAt').toISOString()).toBe(
      '2012-05-18T04:00:00.000Z',
    );
    expect(rejection(() => parseIsoDate('2012-05-18', 'startsAt'))).toMatch(/startsAt/);
    expect(rejection(() => parseIsoDate('2012-13-45T99:00:00Z', 'startsAt'))).toMatch(/startsAt/);
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('k-1 retry')).toBe('k-1 retry');
    expect(rejection(() => parseIdempotencyKey(''))).toMatch(/Idempotency-Key/);
    expect(rejection(() => parseIdempotencyKey('x'.repeat(129)))).toMatch(/Idempotency-Key/);
    expect(rejection(() => parseIdempotencyKey('tab\there'))).toMatch(/Idempotency-Key/);
    expect(rejection(() => parseIdempotencyKey(['a', 'b']))).toMatch(/Idempotency-Key/);
  });
});
