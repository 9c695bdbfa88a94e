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
