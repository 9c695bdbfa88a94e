import { registrationSlot } from './registration-slot';

/** The most inventory shards a sale may have: one per primary of a large cluster. */
export const MAX_SHARDS = 64;

/**
 * The shard a buyer always buys from in a sale of `shards` shards. Everything that must be
 * atomic per buyer (the per-user limit, Idempotency-Keys, the appointment, the attempt
 * limit) lives there, so one script call still decides a purchase.
 */
export function homeShard(buyerId: string, shards: number): number {
  return shards <= 1 ? 0 : registrationSlot(buyerId).home % shards;
}

/** The stock each shard starts with: as even as it goes, the first shards taking the rest. */
export function splitStock(stock: number, shards: number): number[] {
  const base = Math.floor(stock / shards);
  return Array.from({ length: shards }, (_, k) => base + (k < stock % shards ? 1 : 0));
}

/**
 * The shard that keeps an F-code of a sharded sale, from its hash (hex SHA-256). A code is
 * presented by whoever holds it, so it cannot live in a buyer's home shard: it is reserved
 * in its own shard first, then redeemed by the purchase in the buyer's (see ShardGates).
 */
export function codeShard(fcodeHash: string, shards: number): number {
  return shards <= 1 ? 0 : Number.parseInt(fcodeHash.slice(0, 8), 16) % shards;
}
