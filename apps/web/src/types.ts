/** The API's answers the pages read (docs/api.md). */
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
  waitingRoom?: { admissionRate: number; admissionTtlSeconds: number };
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

export type OrderStatus = 'pending_payment' | 'paid' | 'cancelled' | 'expired' | 'rejected';

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

export interface Counters {
  saleId: string;
  at: number;
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  orders: number;
  pipelineLag: number;
  queue: { joined: number; admitted: number; waiting: number } | null;
  registrations: number | null;
  audit: Record<string, number> | null;
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
