/**
 * The text formats the Lua scripts and TypeScript share, each encoded and decoded in one
 * place: the hold string, the outbox entry and the sale events on pub/sub. The Lua side of
 * each is named beside it; the integration tests run the scripts and decode what they wrote.
 */

/**
 * `rejected`: Redis accepted the order but Postgres, the last guard, had no stock left for it
 * (possible only after Redis lost or rolled back state). Terminal; never charged, or refunded.
 */
export const ORDER_STATUSES = [
  'pending_payment',
  'paid',
  'cancelled',
  'expired',
  'rejected',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type ClosedStatus = Exclude<OrderStatus, 'pending_payment'>;
const CLOSED_STATUSES: ReadonlySet<string> = new Set(
  ORDER_STATUSES.filter((s) => s !== 'pending_payment'),
);

/** An accepted order held in Redis until it is paid, cancelled or expires. */
export interface Hold {
  orderId: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  createdAt: Date;
  expiresAt: Date;
  /** The F-code this order redeemed (its hash), if any. */
  fcodeHash?: string;
}

/**
 * The hold string: "<buyer>|<quantity>|<created ms>|<expires ms>|<F-code hash or empty>",
 * written by purchase.lua and read by close-order.lua (the rebuild writes it from Postgres).
 */
export const holdCodec = {
  encode(hold: Omit<Hold, 'orderId' | 'saleId'>): string {
    return [
      hold.buyerId,
      hold.quantity,
      hold.createdAt.getTime(),
      hold.expiresAt.getTime(),
      hold.fcodeHash ?? '',
    ].join('|');
  },

  decode(saleId: string, orderId: string, value: string): Hold {
    const [buyerId, quantity, createdMs, expiresMs, fcodeHash] = value.split('|');
    const hold: Hold = {
      orderId,
      saleId,
      buyerId,
      quantity: Number(quantity),
      createdAt: new Date(Number(createdMs)),
      expiresAt: new Date(Number(expiresMs)),
    };
    if (fcodeHash) hold.fcodeHash = fcodeHash;
    return hold;
  },
};

/**
 * One order as the scripts recorded it in the outbox: at acceptance (pending_payment) and
 * again at each transition. The order id is its identity.
 */
export interface OutboxOrder {
  orderId: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  /** Acceptance time on the Redis clock, ms since the epoch. */
  createdAtMs: number;
  /** Payment deadline on the Redis clock, ms since the epoch. */
  expiresAtMs: number;
  status: OrderStatus;
  /** SHA-256 of the F-code the order redeemed, if any. */
  fcodeHash?: string;
  /** The sale's outbox sequence number of this entry (see the sale rebuild). */
  seq?: number;
  /** The sequence number of the entry that accepted the order, when known. */
  acceptanceSeq?: number;
  /** The buyer's Idempotency-Key, kept with the order so a rebuilt Redis still knows it. */
  idempotencyKey?: string;
}

/**
 * The outbox entry's fields, written by purchase.lua (the acceptance) and close-order.lua
 * (each transition): order, buyer, quantity, at (accepted, ms), expires (deadline, ms),
 * status, fcode (hash or ""), seq (the sale's outbox sequence), idem (Idempotency-Key or "").
 * Every entry carries the whole order, so Postgres converges whatever order they arrive in.
 * Entries written before seq and idem existed decode without them.
 */
export const outboxEntryCodec = {
  decode(saleId: string, fields: readonly string[]): OutboxOrder {
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
    const status = map.get('status') ?? 'pending_payment';
    if (!(ORDER_STATUSES as readonly string[]).includes(status)) {
      throw new Error(`outbox entry with unknown status "${status}"`);
    }
    const order: OutboxOrder = {
      orderId: map.get('order') ?? '',
      saleId,
      buyerId: map.get('buyer') ?? '',
      quantity: Number(map.get('quantity')),
      createdAtMs: Number(map.get('at')),
      expiresAtMs: Number(map.get('expires')),
      status: status as OrderStatus,
    };
    const fcode = map.get('fcode');
    if (fcode) order.fcodeHash = fcode;
    const seq = Number(map.get('seq'));
    if (Number.isSafeInteger(seq) && seq > 0) {
      order.seq = seq;
      if (order.status === 'pending_payment') order.acceptanceSeq = seq;
    }
    const idem = map.get('idem');
    if (idem) order.idempotencyKey = idem;
    return order;
  },
};

/**
 * A sale's counters once a second (the worker's pulse), for pages that watch it live: read
 * once for every API instance and every open page, never per page.
 */
/** A waiting room's counters (shard 0 holds the line of a sharded sale). */
export interface QueueCounters {
  joined: number;
  admitted: number;
  waiting: number;
  /** Buyers flagged as suspects, and those of them held in line with a shadow ticket. */
  suspects: number;
  held: number;
}

export interface SalePulse {
  /** Redis's clock when the counters were read (ms). */
  at: number;
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  /** Orders accepted so far (each gets a row in Postgres). */
  orders: number;
  /** Accepted orders not in Postgres yet. */
  pipelineLag: number;
  queue: QueueCounters | null;
  registrations: number | null;
  /** The auditor's latest findings by kind, or null before its first audit. */
  audit: Record<string, number> | null;
}

/**
 * What the scripts, the rebuild, the worker and the API announce on a sale's events channel,
 * one sale per message:
 *   sold_out:<sale>                 purchase.lua sold the last unit
 *   available:<sale>                close-order.lua (or the rebuild) returned units to a sold-out sale
 *   queue:<sale>:<head>             admit-queue.lua / place-prequeue.lua moved the admitted head
 *   paused:<sale>                   a rebuild of the sale began
 *   resumed:<sale>                  the rebuild finished
 *   order:<sale>:<order>:<status>   an order was closed (paid, cancelled, expired, rejected)
 *   attempts:<sale>:<acc>:<ref>     one API instance's purchase attempts since its last report
 *   pulse:<sale>:<JSON SalePulse>   the worker's counters of the sale
 */
export type SaleEvent =
  | { kind: 'sold_out' | 'available' | 'paused' | 'resumed'; saleId: string }
  | { kind: 'queue'; saleId: string; head: number }
  | { kind: 'order'; saleId: string; orderId: string; status: ClosedStatus }
  | { kind: 'attempts'; saleId: string; accepted: number; refused: number }
  | { kind: 'pulse'; saleId: string; pulse: SalePulse };

const SIMPLE_EVENTS = new Set(['sold_out', 'available', 'paused', 'resumed']);

const count = (text: string | undefined): number | null => {
  const n = Number(text);
  return text !== undefined && text !== '' && Number.isSafeInteger(n) && n >= 0 ? n : null;
};

function decodePulse(saleId: string, json: string): SaleEvent | null {
  try {
    const pulse = JSON.parse(json) as SalePulse;
    const fields = [pulse.at, pulse.stock, pulse.remaining, pulse.held, pulse.paid, pulse.orders];
    return fields.every((n) => typeof n === 'number') ? { kind: 'pulse', saleId, pulse } : null;
  } catch {
    return null;
  }
}

export const saleEventCodec = {
  encode(event: SaleEvent): string {
    switch (event.kind) {
      case 'queue':
        return `queue:${event.saleId}:${event.head}`;
      case 'order':
        return `order:${event.saleId}:${event.orderId}:${event.status}`;
      case 'attempts':
        return `attempts:${event.saleId}:${event.accepted}:${event.refused}`;
      case 'pulse':
        return `pulse:${event.saleId}:${JSON.stringify(event.pulse)}`;
      default:
        return `${event.kind}:${event.saleId}`;
    }
  },

  /** The event, or null for a message this version does not know (ignored, not fatal). */
  decode(message: string): SaleEvent | null {
    const kindEnd = message.indexOf(':');
    const kind = message.slice(0, kindEnd);
    if (kind === 'pulse') {
      const saleEnd = message.indexOf(':', kindEnd + 1);
      if (saleEnd < 0) return null;
      return decodePulse(message.slice(kindEnd + 1, saleEnd), message.slice(saleEnd + 1));
    }
    const [, saleId, a, b] = message.split(':');
    if (!saleId) return null;
    if (kind === 'queue') {
      const head = count(a);
      return head === null ? null : { kind, saleId, head };
    }
    if (kind === 'order') {
      const status = b as ClosedStatus;
      return a && CLOSED_STATUSES.has(status) ? { kind, saleId, orderId: a, status } : null;
    }
    if (kind === 'attempts') {
      const accepted = count(a);
      const refused = count(b);
      return accepted === null || refused === null ? null : { kind, saleId, accepted, refused };
    }
    return SIMPLE_EVENTS.has(kind) ? ({ kind, saleId } as SaleEvent) : null;
  },
};
