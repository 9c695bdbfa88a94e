import type { RawTicket } from '@flash/inventory';

export type TicketStatus =
  /** joined before the opening; placed by the shuffle at the opening */
  | 'pre_queue'
  /** in line; `position` says where */
  | 'waiting'
  /** let in: the admission token is valid until admissionExpiresAt */
  | 'admitted'
  /** let in, but the admission ran out unused */
  | 'expired'
  /** the admission has bought */
  | 'used'
  /** nothing left to sell: the queue is closed, and resumes if units come back */
  | 'sold_out'
  | 'ended';

export interface TicketState {
  status: TicketStatus;
  ticket: number | null;
  joinedAt: string;
  /** 1 = next to be admitted; null when not waiting in line. */
  position: number | null;
  /** position / admission rate, once positions are known. */
  estimatedWaitSeconds: number | null;
  /** Buyers let in per second. */
  admissionRate: number;
  /** When the admission began and ends (admitted and expired). */
  admittedAt?: string;
  admissionExpiresAt?: string;
  admissionExpiresAtMs?: number;
}

/** Where a buyer stands, from one consistent read of Redis. */
export function ticketState(raw: RawTicket): TicketState {
  const base = {
    ticket: raw.ticket > 0 ? raw.ticket : null,
    joinedAt: new Date(raw.joinedMs).toISOString(),
    position: null,
    estimatedWaitSeconds: null,
    admissionRate: raw.rate,
  };
  if (raw.endMs > 0 && raw.nowMs >= raw.endMs) return { ...base, status: 'ended' };
  if (raw.held) return heldState(raw, base);
  if (raw.used) return { ...base, status: 'used' };
  if (raw.ticket > 0 && raw.ticket <= raw.head && raw.admittedAtMs >= 0) {
    const expiresMs = raw.admittedAtMs + raw.admissionTtlMs;
    return {
      ...base,
      status: raw.nowMs < expiresMs ? 'admitted' : 'expired',
      admittedAt: new Date(raw.admittedAtMs).toISOString(),
      admissionExpiresAt: new Date(expiresMs).toISOString(),
      admissionExpiresAtMs: expiresMs,
    };
  }
  if (raw.opened && raw.remaining <= 0) return { ...base, status: 'sold_out' };
  if (raw.ticket <= 0) return { ...base, status: 'pre_queue' };
  const position = raw.ticket - raw.head;
  return {
    ...base,
    status: 'waiting',
    position,
    estimatedWaitSeconds: raw.shuffled ? Math.ceil(position / raw.rate) : null,
  };
}

/**
 * A suspect's ticket: as a buyer's who is waiting and never reaches the head. Once the head
 * has passed their shadow number they are shown a number at the back of the line, so that a
 * follower's stream counts down again instead of asking Redis at every move of the head.
 */
function heldState(raw: RawTicket, base: Omit<TicketState, 'status'>): TicketState {
  if (raw.opened && raw.remaining <= 0) return { ...base, status: 'sold_out' };
  if (!raw.opened || (raw.ticket <= 0 && !raw.shuffled)) return { ...base, status: 'pre_queue' };
  const back = Math.max(1, raw.nextTicket - 1 - raw.head);
  const position = raw.ticket > raw.head ? raw.ticket - raw.head : back;
  return {
    ...base,
    status: 'waiting',
    ticket: raw.head + position,
    position,
    estimatedWaitSeconds: raw.shuffled ? Math.ceil(position / raw.rate) : null,
  };
}

/** A follower's position after the head moved, without asking Redis. */
export function positionAfter(ticket: number, head: number): number | null {
  return ticket > head ? ticket - head : null;
}
