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
