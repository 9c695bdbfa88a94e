import { isIP } from 'node:net';

/**
 * Which Host a request may name where DEV_TOKENS mints admin tokens for anyone who asks.
 *
 * A page on an attacker's site can make the browser send requests to 127.0.0.1 under the
 * attacker's own name (DNS rebinding): the browser thinks it talks to that site, so the
 * same-origin rule does not stop it from reading the answers. The Host header still carries
 * the attacker's name, so refusing every name but loopback's and the install's own closes
 * the door. Hosts are compared without their port, case-insensitively.
 */
export class HostAllowList {
  private readonly names: ReadonlySet<string>;

  constructor(names: readonly string[]) {
    this.names = new Set(names.map((n) => n.toLowerCase()));
  }

  allows(hostHeader: string | undefined): boolean {
    const host = hostName(hostHeader);
    if (host === null) return false;
    return isLoopback(host) || this.names.has(host);
  }
}

/** The host of a Host header without its port, or null when it is not a host at all. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) return isIP(bracketed[1]) === 6 ? bracketed[1] : null;
  const plain = /^([a-z0-9.-]+?)\.?(?::\d{1,5})?$/.exec(value);
  return plain ? plain[1] : null;
}

/** 127.0.0.0/8, ::1, localhost and names under .localhost (which always resolve to loopback). */
function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
