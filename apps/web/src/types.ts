import type { OrderStatus, SalePulse } from '../../../libs/inventory/src/scripts/codecs';

export type { OrderStatus };

/** The API's answers the pages read (docs/api.md); the pulse and statuses are the server's own types. */
export interface Sale {
  id: string;
  name: string;
  sku?: string;
  price: number;
  stock: number;
  remaining?: number;
  startsAt: string;
  endsAt: string | null;
  perUserLimit: number;
  status?: SaleStatus;
  serverTime?: string;
  shards?: number;
  appointments?: { opensAt: string; closesAt: string };
  fcodes?: { priorityStartsAt: string };
  waitingRoom?: { admissionRate: number; admissionTtlSeconds: number; preQueue?: boolean };
  proofOfWork?: { difficulty: number };
}

export type SaleStatus = 'upcoming' | 'live' | 'sold_out' | 'ended';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface StockView {
  saleId: string;
  stock: number;
  remaining: number;
  status: SaleStatus;
  at: number;
}

export type TicketStatus =
  | 'pre_queue'
  | 'waiting'
  | 'admitted'
  | 'expired'
  | 'used'
  | 'ended'
  | 'sold_out';

export interface Ticket {
  saleId: string;
  buyerId: string;
  status: TicketStatus;
  ticket: number | null;
  position: number | null;
  estimatedWaitSeconds: number | null;
  admissionRate: number;
  admissionToken?: string;
  admissionExpiresAt?: string;
}

export interface Order {
  id: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  unitPrice: number;
  status: OrderStatus;
  createdAt: string;
  expiresAt?: string;
}

/** A counters event of GET /admin/sales/:id/events: the worker's pulse and everyone's attempts. */
export interface Counters extends SalePulse {
  saleId: string;
  attempts: {
    accepted: number;
    refused: number;
    perSecond: { accepted: number; refused: number } | null;
  };
}

/** Prices are integers in minor units (fen). */
export function money(minor: number): string {
  return `¥${(minor / 100).toFixed(2)}`;
}
