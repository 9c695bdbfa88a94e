import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SaleEvent, SoldOutRegistry } from '@flash/inventory';
import { positionAfter } from './ticket-status';
import { TicketView, WaitingRoomService } from './waiting-room.service';

/** What a follower is sent: a whole ticket, or just a new position. */
export type QueueEvent =
  | { type: 'ticket'; data: TicketView }
  | { type: 'position'; data: { position: number; estimatedWaitSeconds: number | null } }
  /** The sale's Redis state is being rebuilt: keep waiting. */
  | { type: 'paused'; data: { message: string } }
  /** The rebuild could not keep tickets: join again; the new pre-queue is shuffled. */
  | { type: 'requeue'; data: { message: string } };

interface Follower {
  saleId: string;
  buyerId: string;
  ticket: TicketView;
  send: (event: QueueEvent) => void;
  close: () => void;
  lastPositionSentMs: number;
  refreshing: boolean;
}

/** Position updates per follower at most this often; admissions and closings go at once. */
const POSITION_INTERVAL_MS = 1000;
/** Statuses after which there is nothing more to follow. */
const FINAL = new Set(['admitted', 'expired', 'used', 'ended']);

/**
 * Server-sent events for buyers in a waiting room, fed by the pub/sub events the Lua
 * scripts publish (head advances, sold out, units back). A head advance is applied to each
 * follower in memory (position = ticket - head): no Redis call per follower per tick. Redis
 * is asked again only when a follower's status changes in a way memory cannot know (its
 * turn came, or the pre-queue was placed).
 */
@Injectable()
export class QueueFollowers implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueFollowers.name);
  private readonly bySale = new Map<string, Set<Follower>>();
  private readonly heads = new Map<string, number>();
  private unlisten?: () => void;

  constructor(
    private readonly events: SoldOutRegistry,
    private readonly room: WaitingRoomService,
  ) {}

  onModuleInit(): void {
    this.unlisten = this.events.listen((event) => this.onEvent(event));
  }

  onApplicationShutdown(): void {
    this.unlisten?.();
    for (const followers of this.bySale.values()) for (const f of followers) f.close();
    this.bySale.clear();
  }

  get size(): number {
    let n = 0;
    for (const followers of this.bySale.values()) n += followers.size;
    return n;
  }

  /**
   * Starts following a ticket the caller has just read. Returns the function that stops it;
   * `close` is called when the ticket reaches a final status.
   */
  follow(ticket: TicketView, send: (event: QueueEvent) => void, close: () => void): () => void {
    send({ type: 'ticket', data: ticket });
    if (FINAL.has(ticket.status)) {
      close();
      return () => undefined;
    }
    const follower: Follower = {
      saleId: ticket.saleId,
      buyerId: ticket.buyerId,
      ticket,
      send,
      close,
      lastPositionSentMs: Date.now(),
      refreshing: false,
    };
    let set = this.bySale.get(ticket.saleId);
    if (!set) this.bySale.set(ticket.saleId, (set = new Set()));
    set.add(follower);
    this.hearSale(follower);
    return () => this.remove(follower);
  }

  onEvent(event: SaleEvent): void {
    const { saleId } = event;
    // Orders, attempts and pulses are the live pages' (libs/live), not the line's.
    if (event.kind === 'order' || event.kind === 'attempts' || event.kind === 'pulse') return;
    const followers = this.bySale.get(saleId);
    if (event.kind === 'queue') this.heads.set(saleId, event.head);
    if (!followers) return;
    if (event.kind === 'paused') {
      for (const follower of followers) {
        follower.send({
          type: 'paused',
          data: { message: 'the sale is being restored after a failure; stay in line' },
        });
      }
      return;
    }
    if (event.kind === 'resumed') {
      this.heads.delete(saleId);
      for (const follower of followers) this.refresh(follower);
      return;
    }
    for (const follower of followers) {
      if (event.kind === 'queue') this.onHead(follower, event.head);
      else if (event.kind === 'sold_out') this.update(follower, 'sold_out');
      else if (event.kind === 'available' && follower.ticket.status === 'sold_out') {
        // Units came back: the queue reopens; the ticket's place is where the head left it.
        this.update(follower, follower.ticket.ticket ? 'waiting' : 'pre_queue');
        this.onHead(follower, this.heads.get(saleId) ?? 0, true);
      }
    }
  }

  /**
   * The first stream of a sale on this instance subscribes to the sale's events: what changed
   * between reading the ticket and the subscription is read once more when it is in place.
   */
  private hearSale(follower: Follower): void {
    if (this.events.generation(follower.saleId) !== null) return;
    this.events.follow(follower.saleId).then(
      () => this.refresh(follower),
      (err: Error) => this.logger.warn(`following sale ${follower.saleId}: ${err.message}`),
    );
  }

  private onHead(follower: Follower, head: number, force = false): void {
    const { ticket } = follower.ticket;
    if (ticket === null || follower.ticket.status === 'pre_queue') {
      this.refresh(follower);
      return;
    }
    if (follower.ticket.status !== 'waiting') return;
    const position = positionAfter(ticket, head);
    if (position === null) {
      this.refresh(follower);
      return;
    }
    const now = Date.now();
    if (!force && now - follower.lastPositionSentMs < POSITION_INTERVAL_MS) return;
    follower.lastPositionSentMs = now;
    const estimatedWaitSeconds =
      follower.ticket.estimatedWaitSeconds === null
        ? null
        : Math.ceil(position / follower.ticket.admissionRate);
    follower.ticket = { ...follower.ticket, position, estimatedWaitSeconds };
    follower.send({ type: 'position', data: { position, estimatedWaitSeconds } });
  }

  private update(follower: Follower, status: TicketView['status']): void {
    if (follower.ticket.status === status) return;
    follower.ticket = {
      ...follower.ticket,
      status,
      position: status === 'waiting' ? follower.ticket.position : null,
    };
    follower.send({ type: 'ticket', data: follower.ticket });
  }

  private refresh(follower: Follower): void {
    if (follower.refreshing) return;
    follower.refreshing = true;
    this.room
      .ticket(follower.saleId, follower.buyerId)
      .then((outcome) => {
        follower.refreshing = false;
        if (outcome.kind === 'no_ticket') {
          // Tickets live in Redis only: a rebuilt sale has none, and reopens with a shuffle.
          follower.send({
            type: 'requeue',
            data: {
              message:
                'the sale was restored after a failure and the line with it: join again before it reopens; the new line is shuffled',
            },
          });
          this.remove(follower);
          follower.close();
          return;
        }
        if (outcome.kind !== 'ticket') return;
        const changed =
          outcome.ticket.status !== follower.ticket.status ||
          outcome.ticket.ticket !== follower.ticket.ticket;
        follower.ticket = outcome.ticket;
        if (changed) follower.send({ type: 'ticket', data: outcome.ticket });
        if (FINAL.has(outcome.ticket.status)) {
          this.remove(follower);
          follower.close();
        }
      })
      .catch((err: unknown) => {
        follower.refreshing = false;
        this.logger.warn(`queue follower refresh failed: ${(err as Error).message}`);
      });
  }

  private remove(follower: Follower): void {
    const set = this.bySale.get(follower.saleId);
    set?.delete(follower);
    if (set?.size === 0) this.bySale.delete(follower.saleId);
  }
}
