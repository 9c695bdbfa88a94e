import { randomUUID } from 'node:crypto';
import type { RedisClient, RedisKeys } from '@flash/redis';
import type { ScriptGateway } from './scripts/script-gateway';
import { ShardCounts } from './shard-counts';

/** A shard's counters, as its state hash holds them. */
export interface ShardCounters {
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  orders: number;
  transfersOut: number;
}

/** A sharded sale's counters over all its shards, with the units in flight between them. */
export interface ShardedTotals {
  shards: ShardCounters[];
  /** Units taken by a donor and not yet arrived: part of the sale's remaining. */
  inFlight: number;
  /** Transfers whose donor has not recorded them done (arrived or not). */
  unfinished: number;
  /** Transfers the sale needed so far. */
  transfers: number;
}

export type RefillOutcome = 'refilled' | 'sold_out';

/** What a sharded sale's waiting room needs to know of all its shards. */
export interface SaleWideFigures {
  /** Units left, those in flight between shards included. */
  remaining: number;
  /** Admissions that have bought, each recorded in its buyer's home shard. */
  admissionsUsed: number;
}

/** How much of a donor's remaining one transfer takes: half, so neither side runs dry at once. */
const DONOR_SHARE = 0.5;

/**
 * The stock of sales split into inventory shards (hot-SKU shards): how many shards each sale
 * has, refilling a shard that ran dry from the others through journaled transfers
 * (transfer-out/in/done.lua), finishing transfers a dead process left pending, and the
 * sale's sell-out and its end, announced once from shard 0 (announce-stock.lua).
 */
export class ShardStock {
  /** Shards per sale, read once per sale. */
  private readonly counts: ShardCounts;
  /** One refill at a time per dry shard in this process; the others wait for its outcome. */
  private readonly refills = new Map<string, Promise<RefillOutcome>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly scripts: ScriptGateway,
  ) {
    this.counts = new ShardCounts(redis, keys);
  }

  known(saleId: string): number {
    return this.counts.known(saleId);
  }

  learn(saleId: string, shards: number): void {
    this.counts.learn(saleId, shards);
  }

  of(saleId: string): Promise<number> {
    return this.counts.of(saleId);
  }

  /**
   * A shard ran dry: moves part of the fullest other shard's remaining to it. Resolves
   * `refilled` when the shard may have units again (try the purchase again), `sold_out`
   * when every shard is empty with nothing in flight, once that is announced.
   */
  refill(saleId: string, dry: number): Promise<RefillOutcome> {
    const key = `${saleId}:${dry}`;
    let running = this.refills.get(key);
    if (!running) {
      running = this.refillOnce(saleId, dry).finally(() => this.refills.delete(key));
      this.refills.set(key, running);
    }
    return running;
  }

  private async refillOnce(saleId: string, dry: number): Promise<RefillOutcome> {
    const shards = await this.of(saleId);
    // Read before looking at the shards: a unit given back while we look makes this stale.
    const generation = (await this.redis.hget(this.keys.sale(saleId).state, 'avail_gen')) ?? '0';
    const totals = await this.totals(saleId, shards);
    if (totals.shards[dry].remaining > 0) return 'refilled'; // another process got there first
    if (totals.unfinished > 0) {
      // Units may be on their way, or just arrived where the counters were read before them.
      await this.finishPending(saleId, shards);
      return 'refilled';
    }
    const donor = fullest(totals.shards, dry);
    if (donor !== null) {
      const wanted = Math.max(1, Math.ceil(totals.shards[donor].remaining * DONOR_SHARE));
      await this.transfer(saleId, donor, dry, wanted);
      return 'refilled';
    }
    const announced = await this.scripts.run('announceStock', {
      saleId,
      event: 'sold_out',
      availableGeneration: generation,
    });
    return announced === 'stale' ? 'refilled' : 'sold_out';
  }

  /** One journaled transfer; if this process dies midway, finishPending completes it. */
  async transfer(saleId: string, donor: number, recipient: number, units: number): Promise<number> {
    const transferId = randomUUID();
    const out = await this.scripts.run('transferOut', {
      saleId,
      shard: donor,
      transferId,
      peer: recipient,
      units,
    });
    if (out.kind !== 'taken' && out.kind !== 'already') return 0;
    await this.arrive(saleId, donor, recipient, transferId, out.units);
    return out.units;
  }

  /** Steps 2 and 3 of a transfer whose units the donor has taken. */
  private async arrive(
    saleId: string,
    donor: number,
    recipient: number,
    transferId: string,
    units: number,
  ): Promise<boolean> {
    const step = { saleId, transferId, units };
    const arrived = await this.scripts.run('transferIn', {
      ...step,
      shard: recipient,
      peer: donor,
    });
    if (arrived === 'state_missing') return false; // the recipient is being rebuilt: later
    await this.scripts.run('transferDone', { saleId, shard: donor, transferId });
    return true;
  }

  /** Completes every transfer of the sale a process left between its steps. */
  async finishPending(saleId: string, shards?: number): Promise<number> {
    const count = shards ?? (await this.of(saleId));
    let finished = 0;
    for (let donor = 0; donor < count; donor++) {
      const k = this.keys.sale(saleId, donor);
      const pending = await this.redis.smembers(k.transfersPending);
      if (pending.length === 0) continue;
      const records = await this.redis.hmget(k.transfers, ...pending);
      for (let i = 0; i < pending.length; i++) {
        const record = parseOut(records[i]);
        if (record && (await this.arrive(saleId, donor, record.to, pending[i], record.units)))
          finished++;
      }
    }
    return finished;
  }

  /** A unit came back to a shard (cancelled, expired): the sale sells again, if it had stopped. */
  async announceAvailable(saleId: string): Promise<void> {
    await this.scripts.run('announceStock', { saleId, event: 'available' });
  }

  /**
   * The sweep's check: transfers left pending are finished, and a sale announced sold out
   * that has units again (a process died between giving a unit back and announcing it) is
   * announced available.
   */
  async reconcile(saleId: string): Promise<void> {
    const shards = await this.of(saleId);
    if (shards <= 1) return;
    await this.finishPending(saleId, shards);
    const soldOut = await this.redis.hget(this.keys.sale(saleId).state, 'sold_out');
    if (soldOut !== '1') return;
    const totals = await this.totals(saleId, shards);
    if (totals.shards.some((s) => s.remaining > 0)) await this.announceAvailable(saleId);
  }

  /**
   * For a sharded sale's waiting room (shard 0): the units left over every shard, and the
   * admissions used, each recorded in its buyer's home shard. A sale found empty with nothing
   * in flight is announced sold out here too, so its queue closes without waiting for a buyer
   * to find the shards dry.
   */
  async saleWide(saleId: string, shards: number): Promise<SaleWideFigures> {
    // Used admissions first, the stock after: an admitted buyer who buys in between then
    // lowers the units left but not yet the admissions used, so the queue's cap (units left
    // less admissions open) comes out low, never high. The other order over-admitted.
    const used = await Promise.all(
      Array.from({ length: shards }, (_, k) =>
        this.redis.scard(this.keys.sale(saleId, k).admissionsUsed),
      ),
    );
    const generation = (await this.redis.hget(this.keys.sale(saleId).state, 'avail_gen')) ?? '0';
    const totals = await this.totals(saleId, shards);
    const remaining = totals.shards.reduce((n, s) => n + (s.remaining || 0), totals.inFlight);
    if (remaining === 0 && totals.unfinished === 0)
      await this.scripts.run('announceStock', {
        saleId,
        event: 'sold_out',
        availableGeneration: generation,
      });
    return { remaining, admissionsUsed: used.reduce((n, u) => n + u, 0) };
  }

  private async arrived(saleId: string, recipient: number, transferId: string): Promise<boolean> {
    return (
      (await this.redis.hexists(this.keys.sale(saleId, recipient).transfers, transferId)) === 1
    );
  }

  /**
   * Every shard's counters and the units in flight; null fields read as 0. The shards are read
   * one after another (no snapshot spans slots), so the sums are exact only while no transfer
   * moves. The pending transfers are read after the counters: a transfer under way when the
   * counters were read is then still seen, so its units are not missed.
   */
  async totals(saleId: string, shards: number): Promise<ShardedTotals> {
    const range = Array.from({ length: shards }, (_, shard) => this.keys.sale(saleId, shard));
    // One tick each: auto-pipelining sends the reads together, one pipeline per node.
    const states = await Promise.all(
      range.map((k) =>
        this.redis.hmget(k.state, 'stock', 'remaining', 'held', 'paid', 'orders', 'transfers_out'),
      ),
    );
    const pending = await Promise.all(range.map((k) => this.redis.smembers(k.transfersPending)));
    const counters = states.map((values) => {
      const [stock, remaining, held, paid, orders, transfersOut] = values.map(Number);
      return { stock, remaining, held, paid, orders, transfersOut: transfersOut || 0 };
    });
    let inFlight = 0;
    let unfinished = 0;
    for (let shard = 0; shard < shards; shard++) {
      if (pending[shard].length === 0) continue;
      unfinished += pending[shard].length;
      const records = await this.redis.hmget(range[shard].transfers, ...pending[shard]);
      for (let i = 0; i < records.length; i++) {
        const out = parseOut(records[i]);
        // Pending until the donor hears of it, but the recipient may already count it.
        if (out && !(await this.arrived(saleId, out.to, pending[shard][i]))) inFlight += out.units;
      }
    }
    const transfers = counters.reduce((n, c) => n + c.transfersOut, 0);
    return { shards: counters, inFlight, unfinished, transfers };
  }
}

/** The shard with the most remaining other than `except`, or null if all are empty. */
function fullest(shards: readonly ShardCounters[], except: number): number | null {
  let best: number | null = null;
  shards.forEach((s, k) => {
    if (k !== except && s.remaining > 0 && (best === null || s.remaining > shards[best].remaining))
      best = k;
  });
  return best;
}

/** A donor's journal record "out|<to>|<units>". */
export function parseOut(record: string | null): { to: number; units: number } | null {
  const match = record ? /^out\|(\d+)\|(\d+)$/.exec(record) : null;
  return match ? { to: Number(match[1]), units: Number(match[2]) } : null;
}
