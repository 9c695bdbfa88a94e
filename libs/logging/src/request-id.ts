import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';
import { requestLogLevel } from './logging.module';

/** The header a request id comes in on (from a balancer or a client) and goes back out on. */
export const REQUEST_ID_HEADER = 'x-request-id';

const USABLE = /^[A-Za-z0-9._:-]{1,64}$/;

/** This process's ids: a random prefix and a counter, unique across instances and restarts. */
const PROCESS = randomBytes(6).toString('hex');
let counter = 0;

/**
 * The id of one request: the caller's X-Request-Id when it is a short plain token (so a
 * balancer's id follows the request through the logs), else a new `<process>-<n>` (cheaper
 * than a UUID per request). Anything longer or stranger is replaced: it would be copied into
 * every log line of the request.
 */
export function requestId(incoming: string | string[] | undefined): string {
  const given = Array.isArray(incoming) ? incoming[0] : incoming;
  if (given !== undefined && USABLE.test(given)) return given;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS}-${counter.toString(36)}`;
}

/**
 * At debug: each answer carries its request's id, and each finished request is logged with it
 * (at error for an unexpected failure). At info and above neither hook is installed: nothing is
 * logged per request there, and each hook cost the sold-out path several per cent (bench:
 * purchase, docs/results/logs-and-pushes.md). Error answers carry the id at every level (the
 * error filter sets it), since their failures are logged with it.
 */
export function requestLogging(fastify: FastifyInstance, logger: Pino): void {
  if (!logger.isLevelEnabled('debug')) return;
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    logger[requestLogLevel(reply.statusCode, false)](
      {
        reqId: request.id,
        req: { method: request.method, url: request.url },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
    done();
  });
}
