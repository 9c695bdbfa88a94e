/** Return codes of purchase.lua, in one place. Keep in step with the script's header. */
export enum PurchaseCode {
  Accepted = 0,
  Replayed = 1,
  SoldOut = 2,
  LimitReached = 3,
  NotStarted = 4,
  Ended = 5,
  StateMissing = 6,
}

/** Return codes of close-order.lua. Keep in step with the script's header. */
export enum CloseCode {
  Closed = 0,
  Already = 1,
  Conflict = 2,
  NotDue = 3,
  Unknown = 4,
  Lapsed = 5,
}

export type ClosedStatus = 'paid' | 'cancelled' | 'expired';

/** Return codes of arm-sale.lua. */
export enum ArmCode {
  AlreadyArmed = 0,
  Armed = 1,
}

export type PurchaseResult =
  | {
      code: PurchaseCode.Accepted | PurchaseCode.Replayed;
      orderId: string;
      quantity: number;
      remaining: number;
    }
  | {
      code: Exclude<PurchaseCode, PurchaseCode.Accepted | PurchaseCode.Replayed>;
      remaining: number;
    };
