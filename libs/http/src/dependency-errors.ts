/**
 * Tells errors that mean "a dependency is down" (answer 503 and let the client retry)
 * from bugs (answer 500). Redis and Postgres drivers signal outages in these ways.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

export function isDependencyDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  // ioredis aborts the commands in flight when Redis drops the connection.
  if (err.name === 'AbortError' && /connection close/i.test(err.message)) return true;
  // Redis Cluster while its topology changes (a failover): the node did not run the command.
  // ioredis follows a redirection itself, except inside an auto-pipelined batch, where the
  // reply reaches the caller (redis/ioredis#2075); the next attempt goes to the new primary.
  if (err.name === 'ReplyError' && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(err.message))
    return true;
  if (/^Too many Cluster redirections/.test(err.message)) return true;
  // Postgres: connection failures (08xxx), shutdown (57P01..57P03), too many connections.
  if (typeof code === 'string' && /^(08...|57P0[123]|53300)$/.test(code)) return true;
  return /Connection is closed|Stream isn't writeable|connect ECONNREFUSED|Connection terminated|timeout exceeded when trying to connect/i.test(
    err.message,
  );
}
