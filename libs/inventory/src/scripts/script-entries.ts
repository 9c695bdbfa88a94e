import type { RedisKeys, SaleKeys } from '@flash/redis';
import { registrationSlot } from '../registration-slot';
import { ClosedStatus, OrderStatus } from './codecs';

/**
 * Every Lua script of the project, declared once: its file, its KEYS by name, its ARGV by
 * name and in order, and how its reply decodes into the domain's outcome. The gateway
 * (script-gateway.ts) is the only code that reads this table; a unit test holds each entry to
 * its script's header (key count, argument count, the name of every return code).
 */
export type Arg = string | number | Buffer;

/** A key by name: one of a sale's keys, or one that also depends on the buyer or tracker. */
export type KeyName =
  | keyof SaleKeys
  | 'registrationBucket'
  | 'attempts'
  | 'throttleHits'
  | 'throttleBlock';

export interface KeyContext {
  saleId?: string;
  /** Which of a sharded sale's shards the keys are in (0, the sale itself, when absent). */
  shard?: number;
  buyerId?: string;
  tracker?: string;
}

export interface ScriptEntry<I, O> {
  /** Under libs/inventory/src/lua; its header documents KEYS, ARGV and the replies. */
  file: string;
  /** KEYS, in order, by name; their number is the script's key count. */
  keys: readonly KeyName[];
  /** ARGV, in order, by name. */
  args: Readonly<Record<string, (input: I, keys: RedisKeys) => Arg>>;
  /** Further ARGV after the named ones (a list of codes, of buyers). */
  rest?: (input: I) => readonly Arg[];
  decode: (reply: unknown, input: I) => O;
}

const entry = <I, O>(e: ScriptEntry<I, O>) => e;

/** A reply code decoded by its position in `kinds` (the header lists them in that order). */
function kindOf<K extends string>(script: string, kinds: readonly K[], code: unknown): K {
  const kind = kinds[Number(code)];
  if (kind === undefined) throw new Error(`${script} answered an unknown code ${String(code)}`);
  return kind;
}

// ---- purchase.lua ---------------------------------------------------------------------

export const PURCHASE_KINDS = [
  'accepted',
  'replayed',
  'sold_out',
  'limit_reached',
  'not_started',
  'ended',
  'state_missing',
  'not_registered',
  'fcode_invalid',
  'admission_required',
  'admission_used',
  'admission_invalid',
  'rate_limited',
  'wrong_shards',
  'cancels_spent',
] as const;

/** A refusal decided by the script that carries nothing but the stock left. */
export type PurchaseRefusal = Exclude<
  (typeof PURCHASE_KINDS)[number],
  'accepted' | 'replayed' | 'rate_limited' | 'wrong_shards'
>;

export type PurchaseResult =
  | { kind: 'accepted' | 'replayed'; orderId: string; quantity: number; remaining: number }
  /** Over the per-buyer attempt limit; the block ends in `retryAfterMs`. */
  | { kind: 'rate_limited'; retryAfterMs: number; remaining: number }
  /** The sale has `shards` shards, not as many as the call assumed: nothing was decided. */
  | { kind: 'wrong_shards'; shards: number; remaining: number }
  | { kind: PurchaseRefusal; remaining: number };

export interface AttemptLimit {
  windowMs: number;
  /** Attempts per window per buyer; 0 for none. */
  limit: number;
}

export interface PurchaseInput {
  saleId: string;
  buyerId: string;
  quantity: number;
  orderId: string;
  idempotencyKey?: string;
  /** How long the buyer has to pay; the order expires after that. */
  paymentWindowMs: number;
  /** SHA-256 (hex) of the F-code presented, if any. */
  fcodeHash?: string;
  /** The ticket of the admission token the API verified for this buyer and sale. */
  admissionTicket?: number;
  /** The per-buyer attempt limit, counted by the script itself; none when absent. */
  rateLimit?: AttemptLimit;
  /** How many shards the caller believes the sale has (1 when absent)... */
  shards?: number;
  /** ...and the buyer's home shard among them, whose keys the call uses. */
  shard?: number;
  /** Sharded sales: what the code's shard said of the F-code (see reserve-fcode.lua). */
  fcodeVerdict?: 'reserved' | 'refused';
  /** Sharded sales: what shard 0, which keeps the waiting room, said of the admission. */
  admissionVerdict?: 'admitted' | 'refused';
  /** Orders a buyer may cancel in the sale before buying no more in it; none when absent. */
  cancelBudget?: number;
}

const purchase = entry<PurchaseInput, PurchaseResult>({
  file: 'purchase.lua',
  keys: [
    'state',
    'buyers',
    'idempotency',
    'holds',
    'outbox',
    'expiries',
    'registrationBucket',
    'fcodes',
    'admissionsUsed',
    'tickets',
    'admits',
    'attempts',
    'fcodeLedger',
    'cancels',
  ],
  args: {
    buyer: (i) => i.buyerId,
    quantity: (i) => i.quantity,
    orderId: (i) => i.orderId,
    idempotencyKey: (i) => i.idempotencyKey ?? '',
    paymentWindowMs: (i) => i.paymentWindowMs,
    channel: (i, k) => k.sale(i.saleId).events,
    saleId: (i) => i.saleId,
    registrationField: (i) => registrationSlot(i.buyerId).field,
    fcodeHash: (i) => i.fcodeHash ?? '',
    admissionTicket: (i) => i.admissionTicket ?? '',
    rateWindowMs: (i) => i.rateLimit?.windowMs ?? 0,
    rateLimit: (i) => i.rateLimit?.limit ?? 0,
    shards: (i) => i.shards ?? 1,
    fcodeVerdict: (i) => i.fcodeVerdict ?? '',
    admissionVerdict: (i) => i.admissionVerdict ?? '',
    cancelBudget: (i) => i.cancelBudget ?? 0,
  },
  decode: (reply) => {
    const [code, orderId, quantity, remaining] = reply as [number, string, number, number];
    const kind = kindOf('purchase.lua', PURCHASE_KINDS, code);
    if (kind === 'accepted' || kind === 'replayed') return { kind, orderId, quantity, remaining };
    // The third value of a rate-limited attempt is the time left in its block.
    if (kind === 'rate_limited') return { kind, retryAfterMs: quantity, remaining };
    if (kind === 'wrong_shards') return { kind, shards: quantity, remaining };
    return { kind, remaining };
  },
});

// ---- close-order.lua ------------------------------------------------------------------

export const CLOSE_KINDS = [
  'closed',
  'already',
  'conflict',
  'not_due',
  'unknown',
  'lapsed',
  'state_missing',
] as const;

export interface CloseInput {
  saleId: string;
  /** The order's shard (its buyer's home shard) in a sharded sale. */
  shard?: number;
  orderId: string;
  wanted: ClosedStatus;
  /** The buyer cancels: counted against the sale's cancel budget (CANCELS_PER_BUYER). */
  byBuyer?: boolean;
}

export interface CloseResult {
  kind: (typeof CLOSE_KINDS)[number];
  /** The order's status after the call (the winner's, when another transition won). */
  status: OrderStatus | '';
  quantity: number;
  buyerId: string;
  /** Sharded sales: the F-code the closed order gave back, for its shard to free. */
  fcodeToFree?: string;
}

const closeOrder = entry<CloseInput, CloseResult>({
  file: 'close-order.lua',
  keys: [
    'state',
    'buyers',
    'holds',
    'closed',
    'expiries',
    'outbox',
    'fcodes',
    'fcodeLedger',
    'fcodeFrees',
    'cancels',
  ],
  args: {
    orderId: (i) => i.orderId,
    wanted: (i) => i.wanted,
    channel: (i, k) => k.sale(i.saleId).events,
    saleId: (i) => i.saleId,
    byBuyer: (i) => (i.byBuyer ? '1' : ''),
  },
  decode: (reply) => {
    const [code, status, quantity, buyerId, freed] = reply as [
      number,
      string,
      number,
      string,
      string?,
    ];
    const result: CloseResult = {
      kind: kindOf('close-order.lua', CLOSE_KINDS, code),
      status: status as CloseResult['status'],
      quantity,
      buyerId,
    };
    if (freed) result.fcodeToFree = freed;
    return result;
  },
});

// ---- arm-sale.lua ---------------------------------------------------------------------

export const RELAY_GROUP = 'relay';

export interface ArmSaleInput {
  saleId: string;
  startsAt: Date;
  endsAt: Date | null;
  perUserLimit: number;
  stock: number;
  /** Appointments: the registration window, or null when the sale takes none. */
  registration?: { opensAt: Date; closesAt: Date } | null;
  /** F-codes: when holders may start buying, or null when the sale takes none. */
  priorityStartsAt?: Date | null;
  /**
   * Waiting room: admissions per second, how long one lasts, and whether buyers may join a
   * pre-queue before the opening (absent: they may); null for none.
   */
  waitingRoom?: { admissionRate: number; admissionTtlSeconds: number; preQueue?: boolean } | null;
  /** A sharded sale: how many shards, and which one this call arms (`stock` is its share). */
  shards?: number;
  shard?: number;
}

const ARM_KINDS = ['already_armed', 'armed'] as const;

const armSale = entry<ArmSaleInput, (typeof ARM_KINDS)[number]>({
  file: 'arm-sale.lua',
  keys: ['state', 'outbox'],
  args: {
    startMs: (i) => i.startsAt.getTime(),
    endMs: (i) => i.endsAt?.getTime() ?? 0,
    perUserLimit: (i) => i.perUserLimit,
    stock: (i) => i.stock,
    relayGroup: () => RELAY_GROUP,
    registration: (i) => (i.registration ? 1 : 0),
    registrationOpensMs: (i) => i.registration?.opensAt.getTime() ?? 0,
    registrationClosesMs: (i) => i.registration?.closesAt.getTime() ?? 0,
    priorityStartsMs: (i) => i.priorityStartsAt?.getTime() ?? 0,
    admissionRate: (i) => i.waitingRoom?.admissionRate ?? 0,
    admissionTtlMs: (i) => (i.waitingRoom?.admissionTtlSeconds ?? 0) * 1000,
    shards: (i) => i.shards ?? 1,
    shard: (i) => i.shard ?? 0,
    firstComeOnly: (i) => (i.waitingRoom?.preQueue === false ? 1 : 0),
  },
  decode: (reply) => kindOf('arm-sale.lua', ARM_KINDS, reply),
});

// ---- transfer-out.lua, transfer-in.lua, transfer-done.lua -----------------------------

/** One step of a stock transfer between two shards: `shard` runs it, `peer` is the other. */
export interface TransferStep {
  saleId: string;
  shard: number;
  transferId: string;
  peer: number;
  units: number;
}

const TRANSFER_OUT_KINDS = ['taken', 'already', 'empty', 'state_missing'] as const;

export interface TransferOutResult {
  kind: (typeof TRANSFER_OUT_KINDS)[number];
  /** Units the transfer carries (taken now, or before for `already`). */
  units: number;
}

const transferOut = entry<TransferStep, TransferOutResult>({
  file: 'transfer-out.lua',
  keys: ['state', 'transfers', 'transfersPending'],
  args: {
    transferId: (i) => i.transferId,
    recipient: (i) => i.peer,
    units: (i) => i.units,
  },
  decode: (reply) => {
    const [code, units] = reply as [number, number];
    return { kind: kindOf('transfer-out.lua', TRANSFER_OUT_KINDS, code), units };
  },
});

const TRANSFER_IN_KINDS = ['added', 'already', 'state_missing'] as const;

const transferIn = entry<TransferStep, (typeof TRANSFER_IN_KINDS)[number]>({
  file: 'transfer-in.lua',
  keys: ['state', 'transfers'],
  args: {
    transferId: (i) => i.transferId,
    donor: (i) => i.peer,
    units: (i) => i.units,
  },
  decode: (reply) => kindOf('transfer-in.lua', TRANSFER_IN_KINDS, reply),
});

const TRANSFER_DONE_KINDS = ['done', 'already'] as const;

const transferDone = entry<
  Pick<TransferStep, 'saleId' | 'shard' | 'transferId'>,
  (typeof TRANSFER_DONE_KINDS)[number]
>({
  file: 'transfer-done.lua',
  keys: ['transfersPending'],
  args: { transferId: (i) => i.transferId },
  decode: (reply) => kindOf('transfer-done.lua', TRANSFER_DONE_KINDS, reply),
});

// ---- announce-stock.lua ---------------------------------------------------------------

const ANNOUNCE_KINDS = ['announced', 'unchanged', 'stale', 'state_missing'] as const;

export type AnnounceInput =
  | { saleId: string; event: 'sold_out'; availableGeneration: string }
  | { saleId: string; event: 'available' };

const announceStock = entry<AnnounceInput, (typeof ANNOUNCE_KINDS)[number]>({
  file: 'announce-stock.lua',
  keys: ['state'],
  args: {
    channel: (i, k) => k.sale(i.saleId).events,
    saleId: (i) => i.saleId,
    event: (i) => i.event,
    availableGeneration: (i) => (i.event === 'sold_out' ? i.availableGeneration : ''),
  },
  decode: (reply) => kindOf('announce-stock.lua', ANNOUNCE_KINDS, reply),
});

// ---- register.lua ---------------------------------------------------------------------

const REGISTER_KINDS = [
  'registered',
  'already',
  'not_enabled',
  'not_open',
  'closed',
  'state_missing',
] as const;

export interface RegisterResult {
  kind: (typeof REGISTER_KINDS)[number];
  /** When the buyer registered (the first time), for registered and already. */
  registeredAtMs: number;
}

const register = entry<{ saleId: string; buyerId: string; shard?: number }, RegisterResult>({
  file: 'register.lua',
  keys: ['state', 'registrationBucket'],
  args: { registrationField: (i) => registrationSlot(i.buyerId).field },
  decode: (reply) => {
    const [code, registeredAtMs] = reply as [number, number];
    return { kind: kindOf('register.lua', REGISTER_KINDS, code), registeredAtMs };
  },
});

// ---- add-fcodes.lua -------------------------------------------------------------------

const addFcodes = entry<
  { saleId: string; shard?: number; hashes: readonly string[] },
  { kind: 'added'; added: number } | { kind: 'not_enabled' }
>({
  file: 'add-fcodes.lua',
  keys: ['state', 'fcodes'],
  args: {},
  rest: (i) => i.hashes,
  decode: (reply) => {
    const added = Number(reply);
    return added < 0 ? { kind: 'not_enabled' } : { kind: 'added', added };
  },
});

// ---- reserve-fcode.lua, settle-fcode.lua, void-fcode.lua ------------------------------

/** An F-code of a sharded sale, in the code's shard, for one order. */
export interface FcodeStep {
  saleId: string;
  /** The code's shard (reserve, settle) or the buyer's home shard (void). */
  shard: number;
  fcodeHash: string;
  orderId: string;
}

const RESERVE_FCODE_KINDS = ['reserved', 'resumed', 'refused', 'state_missing'] as const;

export interface ReserveFcodeResult {
  kind: (typeof RESERVE_FCODE_KINDS)[number];
  /** The order id to buy with (reserved, resumed). */
  orderId: string;
}

const reserveFcode = entry<FcodeStep & { buyerId: string }, ReserveFcodeResult>({
  file: 'reserve-fcode.lua',
  keys: ['state', 'fcodes', 'fcodeReservations'],
  args: {
    fcodeHash: (i) => i.fcodeHash,
    buyer: (i) => i.buyerId,
    orderId: (i) => i.orderId,
  },
  decode: (reply) => {
    const [code, orderId] = reply as [number, string];
    return { kind: kindOf('reserve-fcode.lua', RESERVE_FCODE_KINDS, code), orderId };
  },
});

const SETTLE_FCODE_KINDS = ['settled', 'unchanged'] as const;

const settleFcode = entry<
  FcodeStep & { action: 'confirm' | 'release' | 'free' },
  (typeof SETTLE_FCODE_KINDS)[number]
>({
  file: 'settle-fcode.lua',
  keys: ['state', 'fcodes', 'fcodeReservations'],
  args: {
    fcodeHash: (i) => i.fcodeHash,
    orderId: (i) => i.orderId,
    action: (i) => i.action,
  },
  decode: (reply) => kindOf('settle-fcode.lua', SETTLE_FCODE_KINDS, reply),
});

const VOID_FCODE_KINDS = ['voided', 'accepted', 'closed', 'state_missing'] as const;

const voidFcode = entry<FcodeStep, (typeof VOID_FCODE_KINDS)[number]>({
  file: 'void-fcode.lua',
  keys: ['state', 'fcodeLedger'],
  args: { fcodeHash: (i) => i.fcodeHash, orderId: (i) => i.orderId },
  decode: (reply) => kindOf('void-fcode.lua', VOID_FCODE_KINDS, reply),
});

// ---- join-queue.lua -------------------------------------------------------------------

const JOIN_KINDS = [
  'joined',
  'already',
  'not_enabled',
  'not_registered',
  'sold_out',
  'ended',
  'state_missing',
  'not_started',
] as const;

export interface JoinResult {
  kind: (typeof JOIN_KINDS)[number];
  ticket: number;
  joinedAtMs: number;
}

export interface JoinInput {
  saleId: string;
  buyerId: string;
  /** Sharded sales that take appointments: whether the buyer's home shard holds one. */
  registered?: boolean;
}

const joinQueue = entry<JoinInput, JoinResult>({
  file: 'join-queue.lua',
  keys: ['state', 'tickets', 'prequeue', 'registrationBucket', 'suspects', 'held'],
  args: {
    buyer: (i) => i.buyerId,
    registrationField: (i) => registrationSlot(i.buyerId).field,
    registered: (i) => (i.registered === undefined ? '' : i.registered ? '1' : '0'),
  },
  decode: (reply) => {
    const [code, ticket, joinedAtMs] = reply as [number, number, number];
    return { kind: kindOf('join-queue.lua', JOIN_KINDS, code), ticket, joinedAtMs };
  },
});

// ---- admit-queue.lua ------------------------------------------------------------------

const ADMIT_KINDS = [
  'admitting',
  'shuffle_pending',
  'not_open',
  'sold_out',
  'ended',
  'not_enabled',
] as const;

export interface AdmitResult {
  kind: (typeof ADMIT_KINDS)[number];
  head: number;
  admitted: number;
  waiting: number;
}

export interface AdmitInput {
  saleId: string;
  /** Sharded sales: units left and admissions used, over all the shards. */
  saleWide?: { remaining: number; admissionsUsed: number };
}

const admitQueue = entry<AdmitInput, AdmitResult>({
  file: 'admit-queue.lua',
  keys: ['state', 'prequeue', 'admits', 'admitsAt', 'admissionsUsed'],
  args: {
    channel: (i, k) => k.sale(i.saleId).events,
    saleId: (i) => i.saleId,
    remaining: (i) => i.saleWide?.remaining ?? '',
    admissionsUsed: (i) => i.saleWide?.admissionsUsed ?? '',
  },
  decode: (reply) => {
    const [code, head, admitted, waiting] = reply as [number, number, number, number];
    return { kind: kindOf('admit-queue.lua', ADMIT_KINDS, code), head, admitted, waiting };
  },
});

// ---- place-prequeue.lua ---------------------------------------------------------------

const PLACE_KINDS = ['placed', 'done', 'lock_lost'] as const;

export interface PlaceInput {
  saleId: string;
  lockToken: string;
  firstTicket: number;
  last: boolean;
  buyers: readonly string[];
}

const placePrequeue = entry<PlaceInput, (typeof PLACE_KINDS)[number]>({
  file: 'place-prequeue.lua',
  keys: ['state', 'tickets', 'shuffleLock', 'suspects', 'held'],
  args: {
    lockToken: (i) => i.lockToken,
    firstTicket: (i) => i.firstTicket,
    last: (i) => (i.last ? '1' : '0'),
    channel: (i, k) => k.sale(i.saleId).events,
    saleId: (i) => i.saleId,
  },
  rest: (i) => i.buyers,
  decode: (reply) => kindOf('place-prequeue.lua', PLACE_KINDS, reply),
});

// ---- queue-ticket.lua -----------------------------------------------------------------

/** Everything about one buyer's place in a sale's waiting room, read in one step. */
export interface RawTicket {
  armed: boolean;
  /** -1 without a ticket, 0 in the pre-queue. */
  ticket: number;
  joinedMs: number;
  head: number;
  nextTicket: number;
  opened: boolean;
  shuffled: boolean;
  remaining: number;
  startMs: number;
  endMs: number;
  rate: number;
  admissionTtlMs: number;
  /** -1 unless the ticket is at or below the head. */
  admittedAtMs: number;
  used: boolean;
  nowMs: number;
  /** A suspect's shadow ticket: shown as waiting, never admitted. */
  held: boolean;
}

export function decodeRawTicket(values: readonly unknown[]): RawTicket {
  const [armed, ticket, joinedMs, head, nextTicket, opened, shuffled, remaining, startMs, endMs] =
    values.map(Number);
  const [rate, admissionTtlMs, admittedAtMs, used, nowMs, held] = values.slice(10).map(Number);
  return {
    armed: armed === 1,
    ticket,
    joinedMs,
    head,
    nextTicket,
    opened: opened === 1,
    shuffled: shuffled === 1,
    remaining,
    startMs,
    endMs,
    rate,
    admissionTtlMs,
    admittedAtMs,
    used: used === 1,
    nowMs,
    held: held === 1,
  };
}

const queueTicket = entry<{ saleId: string; buyerId: string }, RawTicket>({
  file: 'queue-ticket.lua',
  keys: ['state', 'tickets', 'admits', 'admissionsUsed', 'held'],
  args: { buyer: (i) => i.buyerId },
  decode: (reply) => decodeRawTicket(reply as unknown[]),
});

// ---- hold-suspects.lua ----------------------------------------------------------------

export interface HoldSuspectsResult {
  /** Buyers not flagged before. */
  flagged: number;
  /** Taken out of the line now (they were waiting). */
  moved: number;
  /** Already admitted: that admission stands. */
  admitted: number;
}

const holdSuspects = entry<{ saleId: string; buyerIds: readonly string[] }, HoldSuspectsResult>({
  file: 'hold-suspects.lua',
  keys: ['state', 'tickets', 'suspects', 'held'],
  args: {},
  rest: (i) => i.buyerIds,
  decode: (reply) => {
    const [flagged, moved, admitted] = (reply as number[]).map(Number);
    return { flagged, moved, admitted };
  },
});

// ---- rate-limit.lua -------------------------------------------------------------------

export interface RateLimitInput {
  /** Who is counted, and for what: "<throttler>:<its key>". */
  tracker: string;
  windowMs: number;
  limit: number;
  blockMs: number;
}

export interface RateLimitResult {
  hits: number;
  windowLeftMs: number;
  blocked: boolean;
  blockLeftMs: number;
}

const rateLimit = entry<RateLimitInput, RateLimitResult>({
  file: 'rate-limit.lua',
  keys: ['throttleHits', 'throttleBlock'],
  args: {
    windowMs: (i) => i.windowMs,
    limit: (i) => i.limit,
    blockMs: (i) => i.blockMs,
  },
  decode: (reply) => {
    const [hits, windowLeftMs, blocked, blockLeftMs] = reply as number[];
    return { hits, windowLeftMs, blocked: blocked === 1, blockLeftMs };
  },
});

/** Each script's reply codes, by position: what the header's "Returns" list must name. */
export const REPLY_KINDS: Partial<Record<string, readonly string[]>> = {
  purchase: PURCHASE_KINDS,
  closeOrder: CLOSE_KINDS,
  armSale: ARM_KINDS,
  register: REGISTER_KINDS,
  joinQueue: JOIN_KINDS,
  admitQueue: ADMIT_KINDS,
  placePrequeue: PLACE_KINDS,
  transferOut: TRANSFER_OUT_KINDS,
  transferIn: TRANSFER_IN_KINDS,
  transferDone: TRANSFER_DONE_KINDS,
  announceStock: ANNOUNCE_KINDS,
  reserveFcode: RESERVE_FCODE_KINDS,
  settleFcode: SETTLE_FCODE_KINDS,
  voidFcode: VOID_FCODE_KINDS,
};

export const SCRIPTS = {
  purchase,
  closeOrder,
  armSale,
  register,
  addFcodes,
  joinQueue,
  admitQueue,
  placePrequeue,
  queueTicket,
  holdSuspects,
  rateLimit,
  transferOut,
  transferIn,
  transferDone,
  announceStock,
  reserveFcode,
  settleFcode,
  voidFcode,
};

export type Scripts = typeof SCRIPTS;
export type ScriptName = keyof Scripts;
export type ScriptInput<N extends ScriptName> =
  Scripts[N] extends ScriptEntry<infer I, unknown> ? I : never;
export type ScriptOutcome<N extends ScriptName> =
  Scripts[N] extends ScriptEntry<never, infer O> ? O : never;

/** The key a name stands for, for this call. */
export function resolveKey(keys: RedisKeys, name: KeyName, input: KeyContext): string {
  switch (name) {
    case 'registrationBucket':
      return keys.registrationBucket(
        need(input.saleId),
        registrationSlot(need(input.buyerId)).bucket,
        input.shard,
      );
    case 'attempts':
      return keys.attempts(need(input.saleId), need(input.buyerId), input.shard);
    case 'throttleHits':
      return keys.throttle(need(input.tracker)).hits;
    case 'throttleBlock':
      return keys.throttle(need(input.tracker)).block;
    default:
      return keys.sale(need(input.saleId), input.shard)[name];
  }
}

function need(value: string | undefined): string {
  if (value === undefined) throw new Error('a script key needs a value its input lacks');
  return value;
}
