import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { TokenCache } from '@flash/auth';
import { loadConfig } from '@flash/config';
import { InventoryService } from '@flash/inventory';
import { RedisKeys, createRedis } from '@flash/redis';

/**
 * A measuring stick, not product: the least a server can do to answer a purchase with this
 * project's purchase.lua. Fastify, one ioredis connection, an HS256 token verified once and
 * cached, the script called with the same keys and arguments as the API (rate limit
 * included), a JSON answer. No validation beyond that, no metrics, no guards, no Nest.
 * `npm run bench:floor` runs it beside the API and compares the two.
 *
 * Reads the API's own configuration (PORT, HOST, REDIS_URL, REDIS_KEY_PREFIX, JWT_SECRET,
 * RATE_LIMIT_*, PAYMENT_WINDOW_SECONDS), so both run the script on the same sale the same way.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // The API's own connection settings (auto-pipelining included).
  const redis = createRedis(config, 'floor', { autoPipelining: true });
  const inventory = new InventoryService(redis, new RedisKeys(config.redisKeyPrefix));
  const tokens = new TokenCache(config.jwtSecret, undefined, config.jwtMaxLifetimeSeconds);
  const paymentWindowMs = config.paymentWindowSeconds * 1000;
  const rateLimit = { windowMs: config.rateLimit.windowMs, limit: config.rateLimit.perBuyer };

  const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
  app.get('/health', () => ({ status: 'ok' }));
  app.post<{ Params: { id: string }; Body: { quantity?: number } | undefined }>(
    '/sales/:id/purchase',
    async (req, reply) => {
      const header = req.headers.authorization;
      const verified = header?.startsWith('Bearer ') ? tokens.verify(header.slice(7)) : null;
      if (!verified?.ok) return reply.code(401).send({ error: { code: 'UNAUTHORIZED' } });
      const saleId = req.params.id;
      const result = await inventory.purchase({
        saleId,
        buyerId: verified.principal.sub,
        quantity: req.body?.quantity ?? 1,
        orderId: randomUUID(),
        paymentWindowMs,
        rateLimit,
      });
      if (result.kind === 'accepted' || result.kind === 'replayed') {
        return reply.code(202).send({
          orderId: result.orderId,
          saleId,
          quantity: result.quantity,
          status: 'pending_payment',
        });
      }
      return reply.code(409).send({ error: { code: result.kind.toUpperCase(), message: '' } });
    },
  );
  await app.listen({ port: config.port, host: config.host });
  const stop = () => void app.close().then(() => redis.quit());
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
