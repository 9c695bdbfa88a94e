/**
 * Every key of one sale carries the hash tag `{sale:ID}` so that the purchase script,
 * which touches all of them, stays valid on Redis Cluster (one slot per sale).
 *
 * A sale split into inventory shards (hot-SKU shards) has one such key set per shard:
 * shard 0 is `{sale:ID}`, the layout of an unsharded sale, and shard k is `{sale:ID:k}`,
 * a slot of its own, so the shards spread over a cluster's primaries.
 */
export class RedisKeys {
  /** Each purchase needs its sale's keys: built once per sale, not once per request. */
  private readonly saleKeys = new Map<string, SaleKeys>();

  constructor(readonly prefix: string) {}

  saleTag(saleId: string, shard = 0): string {
    return shard === 0
      ? `${this.prefix}{sale:${saleId}}`
      : `${this.prefix}{sale:${saleId}:${shard}}`;
  }

  /** The keys of one of the sale's shards (shard 0, the sale itself, by default). */
  sale(saleId: string, shard = 0): SaleKeys {
    const memo = shard === 0 ? saleId : `${saleId}:${shard}`;
    let keys = this.saleKeys.get(memo);
    if (!keys) {
      // Sale ids also come from clients (unknown ones included): the memo stays small.
      if (this.saleKeys.size >= 1024) this.saleKeys.clear();
      keys = Object.freeze(saleKeys(this.saleTag(saleId, shard)));
      this.saleKeys.set(memo, keys);
    }
    return keys;
  }

  /**
   * A buyer's purchase attempts in the current rate-limit window. In the slot of the shard
   * the buyer buys from, as every key purchase.lua touches must be, so the limit counts per
   * buyer per sale (a buyer always buys from the same shard).
   */
  attempts(saleId: string, buyerId: string, shard = 0): string {
    return `${this.sale(saleId, shard).state}:rl:${buyerId}`;
  }

  /**
   * A rate-limit tracker's keys ("<throttler>:<key>"): the hits in the current window and the
   * block marker, under one hash tag so that rate-limit.lua touches one slot.
   */
  throttle(tracker: string): { hits: string; block: string } {
    const hits = `${this.prefix}rl:{${tracker}}`;
    return { hits, block: `${hits}:block` };
  }

  /**
   * Appointments live in REGISTRATION_BUCKETS small hashes per sale, keyed by part of a
   * SHA-1 of the buyer id. Small hashes stay in Redis's compact listpack encoding, so a
   * million registrations cost about 16 bytes each instead of a set's ~70.
   */
  registrationBucket(saleId: string, bucket: number, shard = 0): string {
    return `${this.saleTag(saleId, shard)}:reg:${bucket}`;
  }

  /** Set of sale ids with a waiting room, for the worker's admission controller. */
  get queuedSales(): string {
    return `${this.prefix}sales:queued`;
  }

  /** Set of sale ids whose outbox the relay drains and whose stock the metrics report. */
  get activeSales(): string {
    return `${this.prefix}sales:active`;
  }
}

/** Every key of one sale, under its hash tag. */
function saleKeys(tag: string) {
  return {
    state: tag,
    buyers: `${tag}:buyers`,
    idempotency: `${tag}:idem`,
    holds: `${tag}:holds`,
    outbox: `${tag}:outbox`,
    closed: `${tag}:closed`,
    expiries: `${tag}:expiries`,
    /** F-code hash -> "" while unspent, or the id of the order that redeemed it. */
    fcodes: `${tag}:fcodes`,
    /**
     * Sharded sales, in a code's shard: codes reserved for a purchase under way in the buyer's
     * home shard, scored by when (ms); the sweep settles those a dead process left.
     */
    fcodeReservations: `${tag}:fcodes:reserved`,
    /**
     * Sharded sales, in the buyer's home shard: code hash -> "a|<order>|<quantity>" (accepted
     * here), "v|<order>" (voided: that order may not take the code) or "c|<order>" (closed).
     */
    fcodeLedger: `${tag}:fcodes:ledger`,
    /** Sharded sales, in the home shard: "<code hash>|<order>" of closed orders whose code is yet to be freed. */
    fcodeFrees: `${tag}:fcodes:frees`,
    /** Buyer -> orders the buyer cancelled in this sale (held to CANCELS_PER_BUYER). */
    cancels: `${tag}:cancels`,
    /** Waiting room: buyer -> "<ticket number>|<joined ms>" (ticket 0: in the pre-queue). */
    tickets: `${tag}:wr:tickets`,
    /** Waiting room: buyers who joined before the opening, in arrival order (shuffled at the opening). */
    prequeue: `${tag}:wr:pre`,
    /** Waiting room: each advance of the admitted head, scored by the head, member the time (ms). */
    admits: `${tag}:wr:admits`,
    /** Waiting room: the same advances by time: score the time (ms), member the head. */
    admitsAt: `${tag}:wr:admits-at`,
    /** Waiting room: buyers whose admission has bought (an admission buys once). */
    admissionsUsed: `${tag}:wr:used`,
    /** Waiting room: buyers flagged as suspects, held in line and never admitted. */
    suspects: `${tag}:wr:suspects`,
    /** Waiting room: suspect -> "<shadow ticket>|<joined ms>", the tickets they are shown. */
    held: `${tag}:wr:held`,
    /** Waiting room: held by the one controller placing the shuffled pre-queue. */
    shuffleLock: `${tag}:wr:shuffling`,
    /**
     * The sale's events (sold out, units back, queue head, paused), a shard channel: the
     * scripts SPUBLISH on it in the sale's own slot, so on a cluster a message travels only
     * within the sale's shard instead of to every node.
     */
    events: `${tag}:events`,
    /** Proof of work: `<this>:<nonce>` for each challenge redeemed, until it would have expired. */
    powRedeemed: `${tag}:pow`,
    /** Held for one pulse interval by the worker publishing the sale's pulse, so several workers send one. */
    pulseLock: `${tag}:pulse`,
    /** Written by each replica-wait round, so that its WAIT covers the purchases before it. */
    ackMarker: `${tag}:ack-marker`,
    /**
     * Sharded sales: this shard's journal of stock transfers, transfer id ->
     * "out|<to shard>|<units>" or "in|<from shard>|<units>", kept for good so a transfer
     * replayed after a crash changes nothing.
     */
    transfers: `${tag}:transfers`,
    /** Sharded sales: ids of this shard's outgoing transfers not yet known to have arrived. */
    transfersPending: `${tag}:transfers:pending`,
  };
}

export type SaleKeys = Readonly<ReturnType<typeof saleKeys>>;
