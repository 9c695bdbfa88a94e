/**
 * What a lib throws when it cannot go on: a kind every app knows, never an HTTP status.
 * Each app decides what a kind means to its clients (the API's table: apps/api/src/http-answers.ts).
 * Expected business outcomes are not errors: services return them as values.
 */
export const DOMAIN_ERROR_KINDS = [
  /** The input cannot be acted on as given. */
  'invalid',
  /** No credentials, or credentials that do not verify. */
  'unauthorized',
  /** Credentials that verify but do not allow this. */
  'forbidden',
  'not_found',
  /** The same event was received before (webhooks are deduplicated). */
  'duplicate_event',
  /** Over a rate limit; `retryAfterSeconds` says when to come back. */
  'rate_limited',
  /** A dependency (Redis, Postgres) or the live state is not there; nothing was changed. */
  'unavailable',
] as const;

export type DomainErrorKind = (typeof DOMAIN_ERROR_KINDS)[number];

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
