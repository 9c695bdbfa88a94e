/** Return codes of purchase.lua, in one place. Keep in step with the script's header. */
export enum PurchaseCode {
  Accepted = 0,
  Replayed = 1,
  SoldOut = 2,
  LimitReached = 3,
  NotStarted = 4,
  Ended = 5,
  StateMissing = 6,
  NotRegistered = 7,
  FcodeInvalid = 8,
  AdmissionRequired = 9,
  AdmissionUsed = 10,
  AdmissionInvalid = 11,
  RateLimited = 12,
}

/** Return codes of close-order.lua. Keep in step with the script's header. */
export enum CloseCode {
  Closed = 0,
  Already = 1,
  Conflict = 2,
  NotDue = 3,
  Unknown = 4,
  Lapsed = 5,
  StateMissing = 6,
}

export type ClosedStatus = 'paid' | 'cancelled' | 'expired' | 'rejected';

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
  | { code: PurchaseCode.RateLimited; retryAfterMs: number; remaining: number }
  | {
      code: Exclude<
        PurchaseCode,
        PurchaseCode.Accepted | PurchaseCode.Replayed | PurchaseCode.RateLimited
      >;
      remaining: number;
    };

/** Return codes of register.lua. */
export enum RegisterCode {
  Registered = 0,
  Already = 1,
  NotEnabled = 2,
  NotOpen = 3,
  Closed = 4,
  StateMissing = 5,
}

/** Return codes of join-queue.lua. */
export enum JoinCode {
  Joined = 0,
  Already = 1,
  NotEnabled = 2,
  NotRegistered = 3,
  SoldOut = 4,
  Ended = 5,
  StateMissing = 6,
}

/** Return codes of admit-queue.lua. */
export enum AdmitCode {
  Admitting = 0,
  ShufflePending = 1,
  NotOpen = 2,
  SoldOut = 3,
  Ended = 4,
  NotEnabled = 5,
}

/** Return codes of place-prequeue.lua. */
export enum PlaceCode {
  Placed = 0,
  Done = 1,
  LockLost = 2,
}
