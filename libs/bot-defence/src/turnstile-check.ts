import { randomUUID } from 'node:crypto';
import { HumanCheck, HumanVerdict } from './human-check';

export interface TurnstileSettings {
  secretKey: string;
  /** The siteverify endpoint: Cloudflare's, or a stand-in on loopback in tests. */
  verifyUrl: string;
  timeoutMs: number;
  /** The shop's own host names: a token solved on any other site is refused. */
  hostnames: string[];
}

/**
 * Reasons that are the provider's trouble or ours, not the buyer's: the answer is "try again
 * later", never "you are a bot".
 */
const NOT_THE_BUYERS = new Set(['internal-error', 'missing-input-secret', 'invalid-input-secret']);

/**
 * Cloudflare Turnstile's server-side check: one POST to siteverify per token, within a
 * timeout. Tokens are single use and short-lived on Cloudflare's side (`timeout-or-duplicate`).
 */
export class TurnstileCheck implements HumanCheck {
  readonly provider = 'turnstile';

  constructor(
    private readonly settings: TurnstileSettings,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async verify(token: string, remoteIp: string | undefined, action: string): Promise<HumanVerdict> {
    const form = new URLSearchParams({ secret: this.settings.secretKey, response: token });
    if (remoteIp) form.set('remoteip', remoteIp);
    // Lets a retried call be answered as the first was, instead of as a duplicate.
    form.set('idempotency_key', randomUUID());
    let res: Response;
    try {
      res = await this.fetchFn(this.settings.verifyUrl, {
        method: 'POST',
        body: form,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      // AbortSignal.timeout's reason is a DOMException, not always an Error of this realm.
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      return unavailable(timedOut ? `no answer in ${this.settings.timeoutMs} ms` : 'unreachable');
    }
    if (!res.ok) return unavailable(`siteverify answered ${res.status}`);
    const verdict = readAnswer(await res.json().catch(() => null));
    if (verdict.kind !== 'human') return verdict;
    return this.boundHere(verdict.answer, action);
  }

  /**
   * A token is good only for the site and the action it was made for: Cloudflare vouches for
   * both in its answer, and says nothing about them unless asked.
   */
  private boundHere(
    answer: { hostname?: unknown; action?: unknown },
    action: string,
  ): HumanVerdict {
    if (typeof answer.hostname !== 'string' || !this.settings.hostnames.includes(answer.hostname))
      return { kind: 'rejected', codes: ['hostname-mismatch'] };
    if (answer.action !== action) return { kind: 'rejected', codes: ['action-mismatch'] };
    return { kind: 'human' };
  }
}

type SiteverifyAnswer = { hostname?: unknown; action?: unknown };

function readAnswer(
  body: unknown,
): Exclude<HumanVerdict, { kind: 'human' }> | { kind: 'human'; answer: SiteverifyAnswer } {
  if (typeof body !== 'object' || body === null) return unavailable('not a siteverify answer');
  const { success, 'error-codes': codes } = body as { success?: unknown; 'error-codes'?: unknown };
  const reasons = Array.isArray(codes) ? codes.filter((c) => typeof c === 'string') : [];
  if (success === true) return { kind: 'human', answer: body as SiteverifyAnswer };
  if (success !== false) return unavailable('not a siteverify answer');
  const theirs = reasons.find((code) => NOT_THE_BUYERS.has(code));
  if (theirs) return unavailable(`siteverify: ${theirs}`);
  return { kind: 'rejected', codes: reasons };
}

function unavailable(reason: string): { kind: 'unavailable'; reason: string } {
  return { kind: 'unavailable', reason };
}
