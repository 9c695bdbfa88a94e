import { normalizeIp } from '@nestjs/throttler';

/**
 * The group a client address is counted in by per-address limits: an IPv4 address itself, an
 * IPv6 address by its /64 (one subscriber's prefix: a client holds a whole /64 and could
 * otherwise take a fresh address for every request), IPv4-mapped IPv6 as the IPv4 address.
 */
export function addressGroup(ip: string): string {
  return normalizeIp(ip, 64);
}
