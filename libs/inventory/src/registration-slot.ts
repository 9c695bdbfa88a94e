import { createHash } from 'node:crypto';

/** How many registration buckets a sale has (see RedisKeys.registrationBucket). */
export const REGISTRATION_BUCKETS = 16_384;

export interface RegistrationSlot {
  bucket: number;
  /** 8 bytes of the buyer id's SHA-1: the field in the bucket. */
  field: Buffer;
  /** 4 more bytes of it: what chooses the buyer's home shard in a sharded sale. */
  home: number;
}

/**
 * Where a buyer's appointment lives in Redis. 14 bits choose the bucket and 64 more bits
 * name the buyer in it: at a million registrations the buckets hold about 61 fields each,
 * under the 128 that keep a hash in the compact listpack encoding, and the chance that an
 * unregistered buyer's 78 bits match one of a million registered buyers' is about 3 in 10^18.
 */
export function registrationSlot(buyerId: string): RegistrationSlot {
  let slot = recentSlots.get(buyerId);
  if (!slot) {
    const digest = createHash('sha1').update(buyerId).digest();
    slot = {
      bucket: digest.readUInt16BE(0) % REGISTRATION_BUCKETS,
      field: digest.subarray(2, 10),
      home: digest.readUInt32BE(10),
    };
    if (recentSlots.size >= RECENT_SLOTS) recentSlots.clear();
    recentSlots.set(buyerId, slot);
  }
  return slot;
}

/**
 * Every purchase passes the buyer's bucket to purchase.lua, and a buyer in a flash sale
 * tries again and again: the hashes of recent buyers are kept rather than recomputed.
 */
const RECENT_SLOTS = 50_000;
const recentSlots = new Map<string, RegistrationSlot>();
