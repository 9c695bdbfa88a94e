import Ajv, { ErrorObject, SchemaObject } from 'ajv';
import { ApiError } from './api-error';

const ajv = new Ajv({ allErrors: false, strict: true, coerceTypes: false, useDefaults: false });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Idempotency-Key: 1 to 128 printable ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;

/**
 * Compiles a JSON schema once; the returned function throws a 400 naming the problem.
 * The caller vouches that T matches the schema (optional fields must be absent, not null).
 */
export function compileValidator<T>(schema: SchemaObject): (input: unknown) => T {
  const validate = ajv.compile<T>(schema);
  return (input: unknown): T => {
    if (validate(input)) return input;
    throw ApiError.invalid(describe(validate.errors?.[0]));
  };
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid request body';
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'body';
  if (error.keyword === 'additionalProperties') {
    return `unknown field "${String(error.params.additionalProperty)}"`;
  }
  if (error.keyword === 'required') {
    return `missing field "${String(error.params.missingProperty)}"`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function parseUuid(value: string, what: string): string {
  if (!UUID.test(value)) throw ApiError.invalid(`${what} must be a UUID`);
  return value.toLowerCase();
}

export function parseIsoDate(value: string, field: string): Date {
  const date = new Date(value);
  if (!ISO_8601.test(value) || Number.isNaN(date.getTime())) {
    throw ApiError.invalid(`${field} must be an ISO-8601 date-time with a time zone`);
  }
  return date;
}

export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !IDEMPOTENCY_KEY.test(value)) {
    throw ApiError.invalid('Idempotency-Key must be 1 to 128 printable characters');
  }
  return value;
}
