/**
 * The hook for an external check that a buyer is a person, such as Cloudflare Turnstile: the
 * buyer's page runs the provider's widget and sends its token in the `Human-Check` header;
 * the server asks the provider whether the token is good. One implementation per provider.
 */

/** What the provider said of one token. */
export type HumanVerdict =
  | { kind: 'human' }
  /** The provider refused the token (its reasons, as it names them). */
  | { kind: 'rejected'; codes: string[] }
  /** No verdict: the provider was unreachable, slow, or answered something unexpected. */
  | { kind: 'unavailable'; reason: string };

export interface HumanCheck {
  /** The provider's name, for logs and metrics. */
  readonly provider: string;
  /**
   * `action` names the route the widget was rendered for (`register`, `join`): a token made
   * for one is refused on the other.
   */
  verify(token: string, remoteIp: string | undefined, action: string): Promise<HumanVerdict>;
}

/** The HumanCheck the API uses, or null when none is configured (HUMAN_CHECK=none). */
export const HUMAN_CHECK = Symbol('HUMAN_CHECK');

/** Longer tokens are refused without a call (Turnstile's are at most 2,048 characters). */
export const MAX_HUMAN_TOKEN_LENGTH = 2048;
