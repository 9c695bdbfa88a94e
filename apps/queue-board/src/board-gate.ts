import type { FastifyReply, FastifyRequest } from 'fastify';
import { verifyToken } from '@flash/auth';
import { HostAllowList } from '@flash/http';

/** The cookie /login sets: the admin token itself, HttpOnly, for the board's own pages. */
export const SESSION_COOKIE = 'flash_admin';
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export interface GateOptions {
  jwtSecret: string;
  /** Tokens living longer than this are refused, as the API refuses them. */
  maxLifetimeSeconds: number;
  /** Whether jobs may be changed from the board (QUEUE_BOARD_WRITES). */
  writes: boolean;
  /** With DEV_TOKENS on, the Host names the board answers to; null: any. */
  hosts: HostAllowList | null;
}

export type Credential = { token: string; via: 'header' | 'cookie' };

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** The admin token from the Authorization header, or from the cookie /login set. */
export function credentialOf(req: FastifyRequest): Credential | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    return header.startsWith('Bearer ') ? { token: header.slice(7).trim(), via: 'header' } : null;
  }
  const cookie = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9._-]+)`).exec(
    req.headers.cookie ?? '',
  );
  return cookie ? { token: cookie[1], via: 'cookie' } : null;
}

/**
 * Whether a request a browser may have sent from another site came from the board's own
 * pages. Browsers send Origin on every cross-site POST, PUT, PATCH and DELETE: one that is
 * missing or names another origin is not the board's page.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (!origin || !req.headers.host) return false;
  return origin === `${req.protocol}://${req.headers.host}`;
}

/**
 * The board's door, installed as a hook on the plugin scope that holds every board route, so
 * it runs for the route the router matched however the path was spelled (%-encoded, absolute
 * form, trailing slashes): never a comparison with the raw request target.
 *
 * - the Host must be the install's own while DEV_TOKENS mints admin tokens (DNS rebinding);
 * - an admin token, verified as the API verifies it, lifetime included;
 * - read-only unless QUEUE_BOARD_WRITES: any method but GET and HEAD is refused;
 * - a write carried by the cookie must come from the board's own origin (CSRF).
 */
export function boardGate(options: GateOptions) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (options.hosts && !options.hosts.allows(req.headers.host)) {
      return refuse(reply, 403, 'FORBIDDEN', 'this Host is not allowed (ALLOWED_HOSTS)');
    }
    const credential = credentialOf(req);
    const verified = credential
      ? verifyToken(
          credential.token,
          options.jwtSecret,
          Date.now() / 1000,
          options.maxLifetimeSeconds,
        )
      : null;
    if (!verified?.ok) {
      if (req.method === 'GET' && req.headers.accept?.includes('text/html')) {
        return void (await reply.redirect('/login'));
      }
      return refuse(reply, 401, 'UNAUTHORIZED', verified?.reason ?? 'an admin token is needed');
    }
    if (verified.principal.role !== 'admin') {
      return refuse(reply, 403, 'FORBIDDEN', 'not an admin token');
    }
    if (SAFE_METHODS.has(req.method)) return;
    if (!options.writes) {
      return refuse(
        reply,
        403,
        'FORBIDDEN',
        'the queue board is read-only (set QUEUE_BOARD_WRITES=true to change jobs)',
      );
    }
    if (credential?.via === 'cookie' && !sameOrigin(req)) {
      return refuse(reply, 403, 'FORBIDDEN', 'a change must come from the board itself (Origin)');
    }
  };
}

async function refuse(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
): Promise<void> {
  await reply.code(status).send(errorBody(code, message));
}
