import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { CloseCode, ClosedStatus, PurchaseCode } from './purchase-code';

/** Typed signatures of the Lua commands below, as ioredis adds them to a client. */
export interface InventoryCommands {
  purchase(
    state: string,
    buyers: string,
    idempotency: string,
    holds: string,
    outbox: string,
    expiries: string,
    buyerId: string,
    quantity: number,
    orderId: string,
    idempotencyKey: string,
    paymentWindowMs: number,
    channel: string,
    saleId: string,
  ): Promise<[PurchaseCode, string, number, number]>;
  closeOrder(
    state: string,
    buyers: string,
    holds: string,
    closed: string,
    expiries: string,
    outbox: string,
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
  ): Promise<number>;
}

export type InventoryRedis = Redis & InventoryCommands;

const SCRIPTS: ReadonlyArray<{ name: keyof InventoryCommands; file: string; keys: number }> = [
  { name: 'purchase', file: 'purchase.lua', keys: 6 },
  { name: 'closeOrder', file: 'close-order.lua', keys: 6 },
  { name: 'armSale', file: 'arm-sale.lua', keys: 2 },
];

/** Reads each script once and registers it; ioredis then runs it by SHA (EVALSHA). */
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
