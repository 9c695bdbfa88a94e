import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifyToken } from '@flash/auth';
import { AppConfig } from '@flash/config';
import { bullConnection, closeBullConnection } from '@flash/orders';

/** The board's pages and API live under this path; /login sets the cookie that opens them. */
export const BOARD_PATH = '/queues';
const COOKIE = 'flash_admin';

export interface QueueBoard {
  app: FastifyInstance;
  close(): Promise<void>;
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** The admin token from the Authorization header, or the cookie /login set. */
function tokenOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  const cookie = /(?:^|;\s*)flash_admin=([A-Za-z0-9._-]+)/.exec(req.headers.cookie ?? '');
  return cookie ? cookie[1] : null;
}

const LOGIN_PAGE = `<!doctype html><meta charset="utf-8"><title>Queue board</title>
<form method="post" action="/login" style="font-family:system-ui;max-width:32rem;margin:4rem auto">
<h1>Orders queue</h1><p>An admin token opens the board (the operator page's, or POST /auth/dev-token with role admin).</p>
<input name="token" placeholder="admin token" style="width:100%;padding:.4rem" autofocus>
<button style="margin-top:.5rem;padding:.4rem 1rem">Open</button></form>`;

/**
 * bull-board over the orders queue, in a process of its own (compose profile
 * observability), so its pages and their dependencies stay out of the API. Every path of the
 * board needs an admin token: as a bearer token, or through /login, which keeps it in an
 * HttpOnly cookie for the board's own pages.
 */
export async function createQueueBoard(config: AppConfig): Promise<QueueBoard> {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  const connection = bullConnection(config);
  const queue = new Queue(config.queue.ordersQueue, { connection, prefix: config.queue.prefix });
  const board = new FastifyAdapter();
  board.setBasePath(BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: board });

  const refuse = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply.code(status).send(errorBody(code, message));

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith(BOARD_PATH)) return;
    const token = tokenOf(req);
    const verified = token ? verifyToken(token, config.jwtSecret) : null;
    if (!verified?.ok) {
      if (req.method === 'GET' && req.headers.accept?.includes('text/html'))
        return reply.redirect('/login');
      return refuse(reply, 401, 'UNAUTHORIZED', 'an admin token is needed');
    }
    if (verified.principal.role !== 'admin')
      return refuse(reply, 403, 'FORBIDDEN', 'not an admin token');
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.get('/', (_req, reply) => reply.redirect(BOARD_PATH));
  app.get('/login', (_req, reply) => reply.type('text/html').send(LOGIN_PAGE));
  app.post('/login', (req, reply) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    const verified = typeof token === 'string' ? verifyToken(token, config.jwtSecret) : null;
    if (!verified?.ok || verified.principal.role !== 'admin')
      return refuse(reply, 401, 'UNAUTHORIZED', 'not a valid admin token');
    void reply.header(
      'set-cookie',
      `${COOKIE}=${token as string}; Path=${BOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=3600`,
    );
    return reply.redirect(BOARD_PATH);
  });
  app.get('/health', async () => ({ status: 'ok', jobs: await queue.getJobCounts() }));
  await app.register(board.registerPlugin(), { prefix: BOARD_PATH });

  return {
    app,
    async close() {
      await app.close();
      await queue.close();
      await closeBullConnection(connection);
    },
  };
}
