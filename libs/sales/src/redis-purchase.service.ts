import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import {
  AttemptLimit,
  InventoryService,
  PurchaseResult,
  ReplicaAcks,
  ScriptGateway,
  SoldOutRegistry,
  OrderIds,
  homeShard,
} from '@flash/inventory';
import { SalesService } from './sales.service';
import { PurchaseOutcome, PurchaseRequest, PurchaseStrategy } from './purchase-strategy';

/** The design: one Lua script call per attempt, none once the sale is known to be sold out. */
@Injectable()
export class RedisPurchaseService extends PurchaseStrategy {
  readonly name = 'redis';
  private readonly paymentWindowMs: number;
  private readonly rateLimit: AttemptLimit;
  private readonly cancelBudget: number;
  /** Order ids tagged so that a lost order can be told from a made-up id (see LostOrders). */
  private readonly orderIds: OrderIds;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly inventory: InventoryService,
    private readonly soldOut: SoldOutRegistry,
    private readonly sales: SalesService,
    private readonly replicaAcks: ReplicaAcks,
    private readonly scripts: ScriptGateway,
  ) {
    super();
    this.paymentWindowMs = config.paymentWindowSeconds * 1000;
    // The purchase route's per-buyer limit is counted by purchase.lua, in the same call.
    this.rateLimit = { windowMs: config.rateLimit.windowMs, limit: config.rateLimit.perBuyer };
    this.cancelBudget = config.cancelsPerBuyer;
    this.orderIds = new OrderIds(config.waitingRoom.admissionSecret);
  }

  async purchase(req: PurchaseRequest): Promise<PurchaseOutcome> {
    // Late attempts after a sell-out never reach Redis. A request carrying an
    // Idempotency-Key still goes to the script: it may be a replay of an accepted one.
    if (req.idempotencyKey === undefined && this.soldOut.isSoldOut(req.saleId)) {
      return { kind: 'sold_out', fromMemory: true };
    }
    const generation = this.soldOut.generation(req.saleId);
    const since = this.replicaAcks.epoch();
    const result = await this.attempt(req);
    // The first answer for a sale this instance does not follow yet: the script knows the
    // sale, so its events are worth hearing (an unknown sale id is never followed).
    if (generation === null && result.kind !== 'state_missing') this.soldOut.watch(req.saleId);
    switch (result.kind) {
      case 'accepted':
      case 'replayed':
        if (
          this.replicaAcks.enabled &&
          !(await this.replicaAcks.confirm(req.saleId, since, this.homeOf(req)))
        ) {
          return this.unreplicated(req, result.orderId, result.kind === 'accepted');
        }
        if (result.kind === 'accepted' && result.remaining === 0 && !this.sharded(req)) {
          this.soldOut.markSoldOut(req.saleId, generation);
        }
        return {
          kind: 'accepted',
          orderId: result.orderId,
          quantity: result.quantity,
          replayed: result.kind === 'replayed',
        };
      case 'sold_out':
        // Remaining 0: the sale's sell-out (a sharded sale's, once every shard was empty).
        if (result.remaining === 0) this.soldOut.markSoldOut(req.saleId, generation);
        return { kind: 'sold_out', fromMemory: false };
      case 'wrong_shards':
        // The shard count changed twice under one attempt: only a rebuilt sale could do that.
        return { kind: 'unavailable' };
      case 'rate_limited':
        return {
          kind: 'rate_limited',
          retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
        };
      case 'state_missing': {
        // Off the hot path: only an unknown sale or a Redis that lost its data gets here. The
        // script had no sale to count the attempt in, so the buyer's limit is counted here.
        const retryAfterSeconds = await this.overLimitWithoutSale(req.buyerId);
        if (retryAfterSeconds > 0) return { kind: 'rate_limited', retryAfterSeconds };
        return (await this.sales.find(req.saleId))
          ? { kind: 'unavailable' }
          : { kind: 'not_found' };
      }
      default:
        // Every other refusal goes out under the name the script's entry gave it.
        return { kind: result.kind };
    }
  }

  /** Seconds to come back, when the buyer is over the per-buyer limit for attempts on no sale. */
  private async overLimitWithoutSale(buyerId: string): Promise<number> {
    if (this.rateLimit.limit === 0) return 0;
    const counted = await this.scripts.run('rateLimit', {
      tracker: `no-sale:${buyerId}`,
      windowMs: this.rateLimit.windowMs,
      limit: this.rateLimit.limit,
      blockMs: this.rateLimit.windowMs,
    });
    return counted.blocked ? Math.max(1, Math.ceil(counted.blockLeftMs / 1000)) : 0;
  }

  /** One purchase script call (a sharded sale's dry home shard refilled and tried again). */
  private attempt(req: PurchaseRequest): Promise<PurchaseResult> {
    return this.inventory.purchase({
      ...req,
      orderId: this.orderIds.next(),
      paymentWindowMs: this.paymentWindowMs,
      rateLimit: this.rateLimit,
      cancelBudget: this.cancelBudget,
    });
  }

  private homeOf(req: PurchaseRequest): number {
    return homeShard(req.buyerId, this.inventory.shards.known(req.saleId));
  }

  private sharded(req: PurchaseRequest): boolean {
    return this.inventory.shards.known(req.saleId) > 1;
  }

  /**
   * No replica acknowledged the order in time, so a failover could lose it: it is not
   * answered 202. A fresh one is withdrawn, so nothing stays sold; a replay is left alone,
   * since an earlier answer may already have told its buyer about it.
   */
  private async unreplicated(
    req: PurchaseRequest,
    orderId: string,
    fresh: boolean,
  ): Promise<PurchaseOutcome> {
    if (fresh) {
      await this.inventory
        .withdraw(req.saleId, orderId, req.buyerId, req.idempotencyKey)
        .catch(() => false);
    }
    return { kind: 'not_replicated' };
  }
}
