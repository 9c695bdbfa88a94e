import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryService, ScriptGateway } from '@flash/inventory';
import { SalesService } from '@flash/sales';
import { AdmissionCheck, signAdmission, verifyAdmission } from './admission-token';
import { TicketState, ticketState } from './ticket-status';

/** A buyer's ticket as the API answers it; the admission token only while admitted. */
export interface TicketView extends Omit<TicketState, 'admissionExpiresAtMs'> {
  saleId: string;
  buyerId: string;
  admissionToken?: string;
}

export type JoinOutcome =
  | { kind: 'joined'; ticket: TicketView; created: boolean }
  | { kind: 'not_enabled' }
  | { kind: 'not_registered' }
  | { kind: 'sold_out' }
  | { kind: 'ended' }
  | { kind: 'not_started' }
  | { kind: 'not_found' }
  | { kind: 'unavailable' };

/** Flagging suspects: how many were new, taken out of the line now, or admitted already. */
export type HoldOutcome =
  | { kind: 'held'; flagged: number; moved: number; admitted: number }
  | { kind: 'not_enabled' }
  | { kind: 'not_found' };

export type TicketOutcome =
  | { kind: 'ticket'; ticket: TicketView }
  | { kind: 'no_ticket' }
  | { kind: 'not_enabled' }
  | { kind: 'not_found' };

/**
 * The buyer's side of the waiting room: join once, then ask where you stand. Admission
 * itself is the worker's (AdmissionController); this side only reads the head and, for an
 * admitted ticket, signs the admission token.
 */
@Injectable()
export class WaitingRoomService {
  private readonly secret: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly scripts: ScriptGateway,
    private readonly sales: SalesService,
    private readonly inventory: InventoryService,
  ) {
    this.secret = config.waitingRoom.admissionSecret;
  }

  async join(saleId: string, buyerId: string): Promise<JoinOutcome> {
    const shards = await this.inventory.shards.of(saleId);
    // A sharded sale's appointments are in the buyers' home shards, its queue in shard 0.
    const registered =
      shards > 1 ? await this.inventory.gates.registered(saleId, buyerId, shards) : undefined;
    const result = await this.scripts.run('joinQueue', { saleId, buyerId, registered });
    switch (result.kind) {
      case 'joined':
      case 'already': {
        const outcome = await this.ticket(saleId, buyerId);
        if (outcome.kind !== 'ticket') return { kind: 'unavailable' };
        return { kind: 'joined', ticket: outcome.ticket, created: result.kind === 'joined' };
      }
      case 'state_missing':
        return (await this.sales.find(saleId)) ? { kind: 'unavailable' } : { kind: 'not_found' };
      default:
        return { kind: result.kind };
    }
  }

  /** Where the buyer stands, with a freshly signed admission token while admitted. */
  async ticket(saleId: string, buyerId: string): Promise<TicketOutcome> {
    const raw = await this.scripts.run('queueTicket', { saleId, buyerId });
    if (!raw.armed) {
      return (await this.sales.find(saleId)) ? { kind: 'not_enabled' } : { kind: 'not_found' };
    }
    // A sharded sale records a used admission in the buyer's home shard.
    const shards = await this.inventory.shards.of(saleId);
    if (shards > 1) raw.used = await this.inventory.gates.admissionUsed(saleId, buyerId, shards);
    if (raw.ticket < 0) return { kind: 'no_ticket' };
    const { admissionExpiresAtMs, ...state } = ticketState(raw);
    const view: TicketView = { saleId, buyerId, ...state };
    if (state.status === 'admitted' && admissionExpiresAtMs !== undefined && state.ticket) {
      view.admissionToken = signAdmission(
        { s: saleId, b: buyerId, t: state.ticket, e: admissionExpiresAtMs },
        this.secret,
      );
    }
    return { kind: 'ticket', ticket: view };
  }

  /**
   * Flags buyers as suspects of the sale: held in its line with a ticket that says waiting,
   * never admitted (the "infinite queue"). Flags stay for the sale's life.
   */
  async holdSuspects(saleId: string, buyerIds: readonly string[]): Promise<HoldOutcome> {
    const sale = await this.sales.find(saleId);
    if (!sale) return { kind: 'not_found' };
    if (sale.admissionRate === null) return { kind: 'not_enabled' };
    return { kind: 'held', ...(await this.scripts.run('holdSuspects', { saleId, buyerIds })) };
  }

  /** Checks an admission token presented with a purchase (Redis then checks it is unused). */
  verify(token: string, saleId: string, buyerId: string): AdmissionCheck {
    return verifyAdmission(token, this.secret, saleId, buyerId);
  }
}
