export type SaleStatus = 'upcoming' | 'live' | 'sold_out' | 'ended';

/** A sale's status at a moment of the Redis clock. Ended wins over sold out: the sale is over. */
export function saleStatus(
  nowMs: number,
  startsAt: Date,
  endsAt: Date | null,
  remaining: number,
): SaleStatus {
  if (endsAt && nowMs >= endsAt.getTime()) return 'ended';
  if (nowMs < startsAt.getTime()) return 'upcoming';
  if (remaining <= 0) return 'sold_out';
  return 'live';
}
