import type { RedisClient, RedisKeys } from '@flash/redis';
import { registrationSlot } from './registration-slot';
import type { PurchaseInput, PurchaseResult, RawTicket } from './scripts/script-entries';
import type { ScriptGateway } from './scripts/script-gateway';
import { codeShard, homeShard } from './shards';

/**
 * How long an F-code reservation may stay unsettled before the sweep settles it. An attempt
 * settles its own in milliseconds; this only covers a process that died in between.
 */
export const RESERVATION_GRACE_MS = 30_000;

/** Reservations and frees one sweep pass settles per shard. */
const SWEEP_BATCH = 200;

/** Whether a waiting-room admission is valid now, from shard 0's view of the buyer's ticket. */
export function admissionValid(raw: RawTicket, ticket: number): boolean {
  return (
    raw.armed &&
    !raw.held &&
    raw.ticket === ticket &&
    ticket >= 1 &&
    ticket <= raw.head &&
    raw.admittedAtMs >= 0 &&
    raw.nowMs < raw.admittedAtMs + raw.admissionTtlMs
  );
}

/**
 * The gates of a sharded sale that cannot sit in the buyer's home shard: F-codes, each kept
 * in its own shard, and the waiting room, kept in shard 0. The purchase script still decides
 * every attempt in the home shard; these settle the gate elsewhere first and pass a verdict.
 *
 * An F-code takes three steps: reserve it for the buyer and an order id in the code's shard,
 * buy in the home shard, then confirm or release the reservation. A release is fenced: the
 * home shard first voids the order id for that code, so a purchase still on its way cannot
 * take a code someone else reserves next. A process that dies between steps leaves the
 * reservation bound to the buyer: their retry resumes it, and the sweep settles it later.
 */
export class ShardGates {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly scripts: ScriptGateway,
  ) {}

  /** An attempt with an F-code; `buy` is the purchase in the home shard, refills included. */
  async withFcode(
    input: PurchaseInput,
    buy: (input: PurchaseInput) => Promise<PurchaseResult>,
  ): Promise<PurchaseResult> {
    const shards = input.shards ?? 1;
    const fcodeHash = input.fcodeHash ?? '';
    const reserved = await this.scripts.run('reserveFcode', {
      saleId: input.saleId,
      shard: codeShard(fcodeHash, shards),
      fcodeHash,
      buyerId: input.buyerId,
      orderId: input.orderId,
    });
    if (reserved.kind === 'state_missing') return { kind: 'state_missing', remaining: -1 };
    if (reserved.kind === 'refused') return buy({ ...input, fcodeVerdict: 'refused' });
    const attempt = { ...input, orderId: reserved.orderId, fcodeVerdict: 'reserved' as const };
    const result = await buy(attempt);
    const took =
      (result.kind === 'accepted' || result.kind === 'replayed') &&
      result.orderId === attempt.orderId;
    if (took) await this.settle(input.saleId, shards, fcodeHash, attempt.orderId, 'confirm');
    else if (result.kind !== 'state_missing')
      await this.release(input.saleId, shards, fcodeHash, attempt.orderId, input.buyerId);
    return result;
  }

  /** The admission of a sharded sale's buyer, checked where the waiting room lives. */
  async admissionVerdict(input: PurchaseInput): Promise<'admitted' | 'refused'> {
    if (input.admissionTicket === undefined) return 'refused';
    const raw = await this.scripts.run('queueTicket', {
      saleId: input.saleId,
      buyerId: input.buyerId,
    });
    return admissionValid(raw, input.admissionTicket) ? 'admitted' : 'refused';
  }

  /** Whether the buyer's home shard holds their appointment. */
  async registered(saleId: string, buyerId: string, shards: number): Promise<boolean> {
    const slot = registrationSlot(buyerId);
    const bucket = this.keys.registrationBucket(saleId, slot.bucket, homeShard(buyerId, shards));
    return (await this.redis.hexists(bucket, slot.field)) === 1;
  }

  /** Whether the buyer's admission has bought (recorded in their home shard). */
  async admissionUsed(saleId: string, buyerId: string, shards: number): Promise<boolean> {
    const used = this.keys.sale(saleId, homeShard(buyerId, shards)).admissionsUsed;
    return (await this.redis.sismember(used, buyerId)) === 1;
  }

  /** A closed order gave its code back: the code's shard frees it, then the journal forgets it. */
  async free(saleId: string, shards: number, home: number, fcodeHash: string, orderId: string) {
    await this.settle(saleId, shards, fcodeHash, orderId, 'free');
    await this.redis.srem(this.keys.sale(saleId, home).fcodeFrees, `${fcodeHash}|${orderId}`);
  }

  /**
   * The sweep's part: reservations older than the grace period are confirmed or released,
   * and codes of closed orders a dead process did not free are freed. Returns how many.
   */
  async reconcile(saleId: string, shards: number, nowMs: number): Promise<number> {
    let settled = 0;
    for (let shard = 0; shard < shards; shard++) {
      const k = this.keys.sale(saleId, shard);
      const stale = await this.redis.zrangebyscore(
        k.fcodeReservations,
        '-inf',
        nowMs - RESERVATION_GRACE_MS,
        'LIMIT',
        0,
        SWEEP_BATCH,
      );
      for (const fcodeHash of stale) {
        const entry = await this.redis.hget(k.fcodes, fcodeHash);
        const match = entry ? /^\?([^|]+)\|(.+)$/.exec(entry) : null;
        if (!match) continue;
        await this.release(saleId, shards, fcodeHash, match[2], match[1]);
        settled++;
      }
      for (const member of await this.redis.srandmember(k.fcodeFrees, SWEEP_BATCH)) {
        const [fcodeHash, orderId] = member.split('|');
        await this.free(saleId, shards, shard, fcodeHash, orderId);
        settled++;
      }
    }
    return settled;
  }

  /** Releases a reservation, fenced: confirmed instead if the home shard took the order. */
  private async release(
    saleId: string,
    shards: number,
    fcodeHash: string,
    orderId: string,
    buyerId: string,
  ): Promise<void> {
    const home = homeShard(buyerId, shards);
    const voided = await this.scripts.run('voidFcode', { saleId, shard: home, fcodeHash, orderId });
    if (voided === 'voided') await this.settle(saleId, shards, fcodeHash, orderId, 'release');
    else if (voided === 'accepted')
      await this.settle(saleId, shards, fcodeHash, orderId, 'confirm');
    // closed: the close journaled the code's free; state_missing: the shard is being rebuilt.
  }

  private async settle(
    saleId: string,
    shards: number,
    fcodeHash: string,
    orderId: string,
    action: 'confirm' | 'release' | 'free',
  ): Promise<void> {
    const shard = codeShard(fcodeHash, shards);
    await this.scripts.run('settleFcode', { saleId, shard, fcodeHash, orderId, action });
  }
}
