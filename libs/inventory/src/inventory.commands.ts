import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type {
  AdmitCode,
  CloseCode,
  ClosedStatus,
  JoinCode,
  PlaceCode,
  PurchaseCode,
  RegisterCode,
} from './purchase-code';

/** Typed signatures of the Lua commands below, as ioredis adds them to a client. */
export interface InventoryCommands {
  purchase(
    state: string,
    buyers: string,
    idempotency: string,
    holds: string,
    outbox: string,
    expiries: string,
    registrationBucket: string,
    fcodes: string,
    admissionsUsed: string,
    tickets: string,
    admits: string,
    attempts: string,
    buyerId: string,
    quantity: number,
    orderId: string,
    idempotencyKey: string,
    paymentWindowMs: number,
    channel: string,
    saleId: string,
    registrationField: Buffer,
    fcodeHash: string,
    admissionTicket: number | '',
    rateWindowMs: number,
    rateLimit: number,
  ): Promise<[PurchaseCode, string, number, number]>;
  closeOrder(
    state: string,
    buyers: string,
    holds: string,
    closed: string,
    expiries: string,
    outbox: string,
    fcodes: string,
    orderId: string,
    wanted: ClosedStatus,
    channel: string,
    saleId: string,
  ): Promise<[CloseCode, string, number, string]>;
  armSale(
    state: string,
    outbox: string,
    startMs: number,
    endMs: number,
    perUserLimit: number,
    stock: number,
    relayGroup: string,
    requiresRegistration: 0 | 1,
    registrationOpensMs: number,
    registrationClosesMs: number,
    priorityStartsMs: number,
    admissionRate: number,
    admissionTtlMs: number,
  ): Promise<number>;
  register(state: string, bucket: string, field: Buffer): Promise<[RegisterCode, number]>;
  addFcodes(state: string, fcodes: string, ...hashes: string[]): Promise<number>;
  joinQueue(
    state: string,
    tickets: string,
    prequeue: string,
    registrationBucket: string,
    buyerId: string,
    registrationField: Buffer,
  ): Promise<[JoinCode, number, number]>;
  admitQueue(
    state: string,
    prequeue: string,
    admits: string,
    admitsAt: string,
    admissionsUsed: string,
    channel: string,
    saleId: string,
  ): Promise<[AdmitCode, number, number, number]>;
  placePrequeue(
    state: string,
    tickets: string,
    lock: string,
    lockToken: string,
    firstTicket: number,
    last: '1' | '0',
    channel: string,
    saleId: string,
    ...buyers: string[]
  ): Promise<PlaceCode>;
  queueTicket(
    state: string,
    tickets: string,
    admits: string,
    admissionsUsed: string,
    buyerId: string,
  ): Promise<number[]>;
}

export type InventoryRedis = Redis & InventoryCommands;

export const SCRIPTS: ReadonlyArray<{ name: keyof InventoryCommands; file: string; keys: number }> =
  [
    { name: 'purchase', file: 'purchase.lua', keys: 12 },
    { name: 'closeOrder', file: 'close-order.lua', keys: 7 },
    { name: 'armSale', file: 'arm-sale.lua', keys: 2 },
    { name: 'register', file: 'register.lua', keys: 2 },
    { name: 'addFcodes', file: 'add-fcodes.lua', keys: 2 },
    { name: 'joinQueue', file: 'join-queue.lua', keys: 4 },
    { name: 'admitQueue', file: 'admit-queue.lua', keys: 5 },
    { name: 'placePrequeue', file: 'place-prequeue.lua', keys: 3 },
    { name: 'queueTicket', file: 'queue-ticket.lua', keys: 4 },
  ];

/** Reads each script once (every Lua file of a sale's live state is registered here) and registers it; ioredis then runs it by SHA (EVALSHA). */
export function defineInventoryCommands(redis: Redis): InventoryRedis {
  const client = redis as InventoryRedis;
  for (const script of SCRIPTS) {
    if (typeof client[script.name] === 'function') continue;
    redis.defineCommand(script.name, {
      numberOfKeys: script.keys,
      lua: readFileSync(join(__dirname, 'lua', script.file), 'utf8'),
    });
  }
  return client;
}
