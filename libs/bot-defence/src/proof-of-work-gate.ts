import type { RedisClient, RedisKeys } from '@flash/redis';
import { SolutionCheck, checkSolution, issueChallenge } from './proof-of-work';

export type RedeemOutcome = SolutionCheck | { kind: 'replayed' };

/**
 * The proof-of-work gate of one process: challenges signed with its secret, and each
 * solution redeemed once. Redeeming is one hash and one Redis call: SET NX on the challenge's
 * nonce in the sale's own slot, kept until the challenge would have expired anyway.
 */
export class ProofOfWorkGate {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly secret: string,
  ) {}

  issue(saleId: string, buyerId: string, difficulty: number, nowMs: number, ttlMs: number) {
    const expiresAtMs = nowMs + ttlMs;
    return {
      challenge: issueChallenge({ saleId, buyerId, difficulty, expiresAtMs }, this.secret),
      difficulty,
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
  }

  async redeem(
    token: string,
    solution: string,
    expected: { saleId: string; buyerId: string; nowMs: number },
  ): Promise<RedeemOutcome> {
    const checked = checkSolution(token, solution, this.secret, expected);
    if (checked.kind !== 'ok') return checked;
    const { nonce, expiresAtMs } = checked.challenge;
    const key = `${this.keys.sale(expected.saleId).powRedeemed}:${nonce}`;
    const ttl = Math.max(1, expiresAtMs - expected.nowMs);
    const first = await this.redis.set(key, expected.buyerId, 'PX', ttl, 'NX');
    return first === 'OK' ? checked : { kind: 'replayed' };
  }
}
