import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** The header a request id comes in on (from a balancer or a client) and goes back out on. */
export const REQUEST_ID_HEADER = 'x-request-id';

const USABLE = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of one request: the caller's X-Request-Id when it is a short plain token (so a
 * balancer's id follows the request through the logs), else a new UUID. Anything longer or
 * stranger is replaced: it would be copied into every log line of the request.
 */
export function requestId(incoming: string | string[] | undefined): string {
  const given = Array.isArray(incoming) ? incoming[0] : incoming;
  return given !== undefined && USABLE.test(given) ? given : randomUUID();
}

/** Sends each request's id back on its answer, so a client can quote it. */
export function echoRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
