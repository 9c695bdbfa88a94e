import { createHash } from 'node:crypto';

/** How many registration buckets a sale has (see RedisKeys.registrationBucket). */
export const REGISTRATION_BUCKETS = 16_384;

export interface RegistrationSlot {
  bucket: number;
  /** 8 bytes of the buyer id's SHA-1: the field in the bucket. */
  field: Buffer;
}

/**
 * Where a buyer's appointment lives in Redis. 14 bits choose the bucket and 64 more bits
 * name the buyer in it: at a million registrations the buckets hold about 61 fields each,
 * under the 128 that keep a hash in the compact listpack encoding, and the chance that an
 * unregistered buyer's 78 bits match one of a million registered buyers' is about 3 in 10^18.
 */
export function registrationSlot(buyerId: string): RegistrationSlot {
  const digest = createHash('sha1').update(buyerId).digest();
  return { bucket: digest.readUInt16BE(0) % REGISTRATION_BUCKETS, field: digest.subarray(2, 10) };
}
