import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyToken } from '@flash/auth';
import { AppConfig, fastifyTrustProxy } from '@flash/config';
import { HostAllowList } from '@flash/http';
import { bullConnection, closeBullConnection } from '@flash/orders';
import { GateOptions, SESSION_COOKIE, boardGate, errorBody, sameOrigin } from './board-gate';
import { LOGIN_PAGE, LOGIN_SCRIPT } from './login-page';

/** The board's pages and API live under this path; /login sets the cookie that opens them. */
export const BOARD_PATH = '/queues';
/** The longest a login lasts, however long the token would. */
const SESSION_MAX_SECONDS = 3600;

export interface QueueBoard {
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * bull-board over the orders queue, in a process of its own (compose profile
 * observability), so its pages and their dependencies stay out of the API. Every route of the
 * board sits in one plugin scope whose hook checks the admin token (boardGate); the board is
 * read-only unless QUEUE_BOARD_WRITES is set.
 */
export async function createQueueBoard(config: AppConfig): Promise<QueueBoard> {
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024,
    trustProxy: fastifyTrustProxy(config.rateLimit.trustProxy),
  });
  const connection = bullConnection(config);
  const queue = new Queue(config.queue.ordersQueue, { connection, prefix: config.queue.prefix });
  const board = new FastifyAdapter();
  board.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: !config.queueBoard.writes })],
    serverAdapter: board,
  });
  const gate: GateOptions = {
    jwtSecret: config.jwtSecret,
    maxLifetimeSeconds: config.jwtMaxLifetimeSeconds,
    writes: config.queueBoard.writes,
    hosts: config.devTokens ? new HostAllowList(config.allowedHosts) : null,
  };

  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', 'no such page')),
  );
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', boardGate(gate));
      await scope.register(board.registerPlugin());
    },
    { prefix: BOARD_PATH },
  );
  sessionRoutes(app, gate);
  app.get('/', (_req, reply) => reply.redirect(BOARD_PATH));
  // Anonymous callers (a balancer's probe) learn that it is up; an admin also gets the counts.
  app.get('/health', async (req) => {
    const admin = isAdmin(req, gate);
    return admin ? { status: 'ok', jobs: await queue.getJobCounts() } : { status: 'ok' };
  });

  return {
    app,
    async close() {
      await app.close();
      await queue.close();
      await closeBullConnection(connection);
    },
  };
}

/** GET/POST /login and POST /logout: the HttpOnly cookie that opens the board's pages. */
function sessionRoutes(app: FastifyInstance, gate: GateOptions): void {
  const hostRefused = (req: FastifyRequest, reply: FastifyReply) =>
    gate.hosts && !gate.hosts.allows(req.headers.host)
      ? reply.code(403).send(errorBody('FORBIDDEN', 'this Host is not allowed (ALLOWED_HOSTS)'))
      : null;
  app.get(
    '/login',
    (req, reply) => hostRefused(req, reply) ?? reply.type('text/html').send(LOGIN_PAGE),
  );
  app.get('/login.js', (_req, reply) => reply.type('text/javascript').send(LOGIN_SCRIPT));
  app.post('/login', (req, reply) => {
    if (hostRefused(req, reply)) return reply;
    if (!sameOrigin(req))
      return reply.code(403).send(errorBody('FORBIDDEN', 'log in from the board itself (Origin)'));
    const token = (req.body as { token?: unknown } | undefined)?.token;
    const verified =
      typeof token === 'string'
        ? verifyToken(token, gate.jwtSecret, Date.now() / 1000, gate.maxLifetimeSeconds)
        : null;
    if (!verified?.ok || verified.principal.role !== 'admin')
      return reply.code(401).send(errorBody('UNAUTHORIZED', 'not a valid admin token'));
    return reply
      .header('set-cookie', sessionCookie(req, token as string, SESSION_MAX_SECONDS))
      .send({ status: 'ok' });
  });
  app.post('/logout', (req, reply) =>
    reply.header('set-cookie', sessionCookie(req, '', 0)).send({ status: 'ok' }),
  );
}

/** Secure whenever the board is reached over TLS (directly, or through a trusted proxy). */
function sessionCookie(req: FastifyRequest, token: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token}; Path=${BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function isAdmin(req: FastifyRequest, gate: GateOptions): boolean {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) return false;
  const verified = verifyToken(
    header.slice(7).trim(),
    gate.jwtSecret,
    Date.now() / 1000,
    gate.maxLifetimeSeconds,
  );
  return verified.ok && verified.principal.role === 'admin';
}
