import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';

/** What an event stream follows: a ticket in line, an order, a sale's stock, or its counters. */
export const STREAM_KINDS = ['queue', 'order', 'stock', 'operator'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

/**
 * Each kind's guaranteed part of SSE_STREAMS_PER_INSTANCE (rounded up): room no other kind
 * can take. The rest (a quarter) is a common pool any kind may use. Buyers in line are the
 * most; operators are few but must always get in; the anonymous stock stream, which anyone
 * can open, gets the least, so a flood of it leaves the others their room.
 */
export const STREAM_SHARES: Readonly<Record<StreamKind, number>> = {
  queue: 0.5,
  order: 0.1,
  operator: 0.05,
  stock: 0.1,
};

export type StreamSlot =
  | { ok: true; release: () => void }
  | { ok: false; full: 'owner' | 'instance' };

/** Who holds a stream: a token's subject, or an anonymous page's client address. */
export type StreamOwner = { sub: string } | { address: string };

/**
 * The event streams one API instance holds: each holds a socket and a follower, so there are
 * at most SSE_STREAMS_PER_INSTANCE of them, at most SSE_STREAMS_PER_BUYER per token (buyer or
 * admin) and SSE_STREAMS_PER_ADDRESS per anonymous client address. A kind past its guaranteed
 * share (STREAM_SHARES) takes only room no other kind has a claim on.
 */
@Injectable()
export class StreamSlots {
  private readonly byOwner = new Map<string, number>();
  private readonly byKind = new Map<StreamKind, number>();
  private total = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Takes a slot, or says which limit is full; the slot's release() gives it back, once. */
  open(kind: StreamKind, who: StreamOwner): StreamSlot {
    const limits = this.config.waitingRoom;
    const [owner, allowed] =
      'sub' in who
        ? [`sub:${who.sub}`, limits.streamsPerBuyer]
        : [`addr:${who.address}`, limits.streamsPerAddress];
    const mine = this.byOwner.get(owner) ?? 0;
    if (mine >= allowed) return { ok: false, full: 'owner' };
    if (!this.hasRoom(kind)) return { ok: false, full: 'instance' };
    this.byOwner.set(owner, mine + 1);
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    this.total++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        this.byKind.set(kind, (this.byKind.get(kind) ?? 1) - 1);
        const left = (this.byOwner.get(owner) ?? 1) - 1;
        if (left > 0) this.byOwner.set(owner, left);
        else this.byOwner.delete(owner);
      },
    };
  }

  /** Within the kind's guarantee, or in room that no other kind's unused guarantee claims. */
  private hasRoom(kind: StreamKind): boolean {
    const instance = this.config.waitingRoom.streamsPerInstance;
    if (this.total >= instance) return false;
    if (this.count(kind) < this.guaranteed(kind)) return true;
    let claimed = 0;
    for (const other of STREAM_KINDS) {
      if (other !== kind) claimed += Math.max(0, this.guaranteed(other) - this.count(other));
    }
    return this.total + claimed < instance;
  }

  private guaranteed(kind: StreamKind): number {
    return Math.ceil(this.config.waitingRoom.streamsPerInstance * STREAM_SHARES[kind]);
  }

  get size(): number {
    return this.total;
  }

  /** Open streams of one kind (for the metrics). */
  count(kind: StreamKind): number {
    return this.byKind.get(kind) ?? 0;
  }
}
