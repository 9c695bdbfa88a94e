import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { HUMAN_CHECK, HumanCheck, MAX_HUMAN_TOKEN_LENGTH } from './human-check';
import { ProofOfWorkGate } from './proof-of-work-gate';

export type ChallengeOutcome =
  | { kind: 'issued'; challenge: string; difficulty: number; expiresAt: string }
  | { kind: 'not_enabled' };

/** Why a registration or a queue join did not pass the gate, or that it did. */
export type GateOutcome =
  | { kind: 'passed' }
  | { kind: 'pow_required' }
  | { kind: 'pow_invalid'; reason: PowInvalidReason }
  | { kind: 'pow_replayed' };

/** What the external human check made of a request (HUMAN_CHECK). */
export type HumanCheckOutcome =
  | { kind: 'passed' }
  | { kind: 'human_required' }
  | { kind: 'human_failed'; codes: string[] }
  | { kind: 'human_unavailable'; reason: string };

export type PowInvalidReason =
  | 'malformed'
  | 'forged'
  | 'wrong_sale'
  | 'wrong_buyer'
  | 'expired'
  | 'insufficient';

/** The `Proof-Of-Work` header: `<challenge>:<solution>`, exactly what was hashed. */
const HEADER = /^([A-Za-z0-9._-]{1,400}):([A-Za-z0-9]{1,32})$/;

/**
 * The gate in front of registration and queue joins, for sales that switched it on. Issuing
 * costs one HMAC and no Redis call; passing costs one HMAC, one SHA-256 and one SET NX.
 */
@Injectable()
export class BotDefenceService {
  private readonly gate: ProofOfWorkGate;
  private readonly ttlMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS) redis: RedisClient,
    keys: RedisKeys,
    @Inject(HUMAN_CHECK) private readonly human: HumanCheck | null,
  ) {
    this.gate = new ProofOfWorkGate(redis, keys, config.botDefence.powSecret);
    this.ttlMs = config.botDefence.challengeTtlMs;
  }

  /** A challenge for this buyer and sale, when the sale asks for proof of work. */
  challenge(saleId: string, buyerId: string, difficulty: number | null): ChallengeOutcome {
    if (difficulty === null) return { kind: 'not_enabled' };
    return {
      kind: 'issued',
      ...this.gate.issue(saleId, buyerId, difficulty, Date.now(), this.ttlMs),
    };
  }

  /** Whether a human check is configured: the name of its provider, or null. */
  get humanCheckProvider(): string | null {
    return this.human?.provider ?? null;
  }

  /**
   * The external check of the `Human-Check` header's token: passed when none is configured.
   * A token too long to be one is refused without a call.
   */
  async checkHuman(
    token: string | undefined,
    remoteIp: string | undefined,
    action: string,
  ): Promise<HumanCheckOutcome> {
    if (!this.human) return { kind: 'passed' };
    if (token === undefined || token === '') return { kind: 'human_required' };
    if (token.length > MAX_HUMAN_TOKEN_LENGTH) return { kind: 'human_failed', codes: ['too-long'] };
    const verdict = await this.human.verify(token, remoteIp, action);
    if (verdict.kind === 'human') return { kind: 'passed' };
    if (verdict.kind === 'rejected') return { kind: 'human_failed', codes: verdict.codes };
    return { kind: 'human_unavailable', reason: verdict.reason };
  }

  /** Whether a request may go on: always for a sale without the gate. */
  async pass(
    saleId: string,
    buyerId: string,
    difficulty: number | null,
    header: string | undefined,
  ): Promise<GateOutcome> {
    if (difficulty === null) return { kind: 'passed' };
    if (header === undefined || header === '') return { kind: 'pow_required' };
    const parts = HEADER.exec(header);
    if (!parts) return { kind: 'pow_invalid', reason: 'malformed' };
    const outcome = await this.gate.redeem(parts[1], parts[2], {
      saleId,
      buyerId,
      nowMs: Date.now(),
    });
    if (outcome.kind === 'ok') return { kind: 'passed' };
    if (outcome.kind === 'replayed') return { kind: 'pow_replayed' };
    return { kind: 'pow_invalid', reason: outcome.kind };
  }
}
