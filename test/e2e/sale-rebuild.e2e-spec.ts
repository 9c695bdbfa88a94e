import { newOrderId, orderIdTime } from '@flash/inventory';
import { ReplicaAcks } from '@flash/inventory';
import { OrdersQueue, OutboxRelay } from '@flash/orders';
import { RedisClient, RedisKeys } from '@flash/redis';
import { call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { saleKeys } from '../support/sale-keys';
import { worldRedis } from '../support/test-env';

/**
 * A sale's Redis state is lost under a running stack: the API fails closed and says so on
 * /health, the worker rebuilds the sale from Postgres by itself, sales resume, and buyers of
 * orders that were lost with Redis get the truth (410), not a 404.
 */
describe('a sale rebuilt from Postgres, end to end', () => {
  let e2e: E2E;
  let redis: RedisClient;
  let keys: RedisKeys;
  let queue: OrdersQueue;
  let relay: OutboxRelay | undefined;

  beforeAll(async () => {
    // The relay runs in the test, so it can stop and leave orders only in Redis's outbox.
    e2e = await startE2E({ RELAY_ENABLED: 'false', REBUILD_CHECK_INTERVAL_MS: '300' });
    redis = worldRedis(e2e.world);
    keys = new RedisKeys(e2e.world.config.redisKeyPrefix);
    queue = new OrdersQueue(e2e.world.config);
  });

  afterAll(async () => {
    await relay?.onApplicationShutdown();
    await queue?.onApplicationShutdown();
    await redis?.quit();
    await stopE2E(e2e);
  });

  const relayOn = () => {
    if (relay) return; // one relay at a time: a second would go on moving after relayOff
    const config = e2e.world.config;
    relay = new OutboxRelay(
      { ...config, relay: { ...config.relay, enabled: true } },
      keys,
      queue,
      new ReplicaAcks(config, keys, redis),
    );
    relay.onApplicationBootstrap();
  };
  const relayOff = async () => {
    await relay?.onApplicationShutdown();
    relay = undefined;
  };

  const lostTotal = async () => {
    const metrics = await call(e2e.stack.http, 'GET', '/metrics');
    return Number(/flash_orders_lost_total (\d+)/.exec(String(metrics.body))?.[1] ?? 0);
  };

  // A sale split into inventory shards is rebuilt shard by shard, each order in its buyer's home shard.
  it.each([1, 3])(
    'fails closed, rebuilds itself, resumes, and answers lost orders truthfully (%i shards)',
    async (shards) => {
      const http = e2e.stack.http;
      const lostBefore = await lostTotal();
      const saleId = await createSale(http, e2e.admin, { stock: 40, perUserLimit: 1, shards });
      const token = (buyer: string) => devToken(http, buyer);
      const buy = async (buyer: string, key?: string) =>
        call(http, 'POST', `/sales/${saleId}/purchase`, {
          token: await token(buyer),
          headers: key ? { 'idempotency-key': key } : {},
        });
      const stats = async () =>
        (await call(http, 'GET', `/admin/sales/${saleId}/stats`, { token: e2e.admin })).body;

      relayOn();
      const kept: { id: string; buyer: string; key: string }[] = [];
      for (let i = 0; i < 20; i++) {
        const answer = await buy(`kept-${i}`, `key-${i}`);
        expect(answer.status).toBe(202);
        kept.push({ id: answer.body.orderId, buyer: `kept-${i}`, key: `key-${i}` });
      }
      const paid = await call(http, 'POST', `/orders/${kept[0].id}/pay`, {
        token: await token(kept[0].buyer),
      });
      expect(paid.body.status).toBe('paid');
      await until(
        async () => (await stats()).pipelineLag === 0 && (await stats()).unitsPersisted === 20,
      );
      await until(async () => {
        const { rows } = await e2e.sql.query(`SELECT status FROM orders WHERE id = $1`, [
          kept[0].id,
        ]);
        return rows[0]?.status === 'paid';
      });

      // Five more orders the relay never moves: they live only in Redis when Redis loses the sale.
      await relayOff();
      const lost: { id: string; buyer: string }[] = [];
      for (let i = 0; i < 5; i++) {
        const answer = await buy(`lost-${i}`);
        expect(answer.status).toBe(202);
        lost.push({ id: answer.body.orderId, buyer: `lost-${i}` });
      }
      // Every shard at once, as a Redis restarting empty loses them (one DEL per slot).
      const doomed = await Promise.all(
        Array.from({ length: shards }, (_, shard) => saleKeys(redis, keys, saleId, shard)),
      );
      await Promise.all(doomed.map((shardKeys) => redis.del(...shardKeys)));

      // Fails closed at once, and /health names the sale.
      expectErrorShape(await buy('during'), 503, 'UNAVAILABLE');
      // Redis and Postgres answer, so /health is 200 (the contract), and it names the sale.
      const health = await call(http, 'GET', '/health', { token: e2e.admin });
      expect(health.status).toBe(200);
      expect(['missing', 'rebuilding']).toContain(health.body.sales[saleId]);

      // The worker rebuilds it by itself; purchases resume.
      relayOn();
      await until(async () => {
        const answer = await call(http, 'GET', '/health', { token: e2e.admin });
        return answer.status === 200 && answer.body.sales[saleId] === undefined;
      }, 30_000);
      const after = await buy('after-rebuild');
      expect(after.status).toBe(202);

      // What Postgres had is back: statuses, the buyer's limit, the Idempotency-Keys.
      const first = await call(http, 'GET', `/orders/${kept[0].id}`, {
        token: await token(kept[0].buyer),
      });
      expect(first.body.status).toBe('paid');
      const replay = await buy(kept[5].buyer, kept[5].key);
      expect(replay.status).toBe(202);
      expect(replay.body.orderId).toBe(kept[5].id);
      expectErrorShape(await buy(kept[6].buyer), 409, 'LIMIT_REACHED');
      const cancelled = await call(http, 'POST', `/orders/${kept[7].id}/cancel`, {
        token: await token(kept[7].buyer),
      });
      expect(cancelled.body.status).toBe('cancelled');

      // The lost orders: the truth, counted once each.
      for (const order of lost) {
        const answer = await call(http, 'GET', `/orders/${order.id}`, {
          token: await token(order.buyer),
        });
        expectErrorShape(answer, 410, 'ORDER_LOST');
        const pay = await call(http, 'POST', `/orders/${order.id}/pay`, {
          token: await token(order.buyer),
        });
        expectErrorShape(pay, 410, 'ORDER_LOST');
      }
      expect((await lostTotal()) - lostBefore).toBe(5);
      // Ids made up inside the loss window are unknown too: only ids the API issued were lost.
      for (const order of lost) {
        const madeUp = newOrderId((orderIdTime(order.id) as Date).getTime());
        expectErrorShape(
          await call(http, 'GET', `/orders/${madeUp}`, { token: e2e.admin }),
          404,
          'NOT_FOUND',
        );
      }
      expect((await lostTotal()) - lostBefore).toBe(5);
      // A made-up id from long ago is unknown, not lost.
      expectErrorShape(
        await call(http, 'GET', '/orders/01890000-0000-7000-8000-000000000000', {
          token: e2e.admin,
        }),
        404,
        'NOT_FOUND',
      );

      // Conservation, and Postgres and Redis agree once the pipeline drains.
      await until(async () => (await stats()).pipelineLag === 0);
      const s = await stats();
      expect(s.remaining + s.held + s.paid).toBe(40);
      expect(s.unitsPersisted).toBe(s.held + s.paid);
      expect(s.held + s.paid).toBe(20 - 1 + 1);

      // An operator can ask for a rebuild too.
      const requested = await call(http, 'POST', `/admin/sales/${saleId}/rebuild`, {
        token: e2e.admin,
      });
      expect(requested.status).toBe(200);
      expect(requested.body).toMatchObject({ saleId, reason: 'requested', epoch: 2, orders: 21 });
      expect(await stats()).toMatchObject({ remaining: s.remaining, held: s.held, paid: s.paid });
      if (shards > 1) expect(s.shards).toMatchObject({ count: shards, inFlight: 0 });
    },
  );

  it('a sharded sale keeps its spent F-codes spent and its given-back ones free across a rebuild', async () => {
    const http = e2e.stack.http;
    const now = Date.now();
    const saleId = await createSale(http, e2e.admin, {
      stock: 30,
      shards: 3,
      startsAt: new Date(now + 120_000).toISOString(),
      fcodes: { priorityStartsAt: new Date(now - 1000).toISOString() },
    });
    const issued = await call(http, 'POST', `/admin/sales/${saleId}/fcodes`, {
      token: e2e.admin,
      body: { count: 4 },
    });
    const codes = issued.body.codes as string[];
    const buy = async (buyer: string, fcode: string) =>
      call(http, 'POST', `/sales/${saleId}/purchase`, {
        token: await devToken(http, buyer),
        body: { fcode },
      });
    const stats = async () =>
      (await call(http, 'GET', `/admin/sales/${saleId}/stats`, { token: e2e.admin })).body;

    relayOn();
    const kept = await buy('fan-0', codes[0]);
    expect(kept.status).toBe(202);
    const given = await buy('fan-1', codes[1]);
    expect(given.status).toBe(202);
    const cancelled = await call(http, 'POST', `/orders/${given.body.orderId}/cancel`, {
      token: await devToken(http, 'fan-1'),
    });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await stats()).fcodes).toEqual({ issued: 4, redeemed: 1 });
    await until(async () => {
      const { rows } = await e2e.sql.query(
        `SELECT count(*)::int AS n FROM orders WHERE sale_id = $1 AND status = 'cancelled'`,
        [saleId],
      );
      return rows[0].n === 1 && (await stats()).pipelineLag === 0;
    });

    const doomed = await Promise.all(
      [0, 1, 2].map((shard) => saleKeys(redis, keys, saleId, shard)),
    );
    await Promise.all(doomed.map((shardKeys) => redis.del(...shardKeys)));
    await until(async () => {
      const answer = await call(http, 'GET', '/health', { token: e2e.admin });
      return answer.status === 200 && answer.body.sales[saleId] === undefined;
    }, 30_000);

    expect((await stats()).fcodes).toEqual({ issued: 4, redeemed: 1 });
    expectErrorShape(await buy('rival', codes[0]), 409, 'FCODE_INVALID');
    expect((await buy('rival', codes[1])).status).toBe(202);
    expect((await buy('fan-2', codes[2])).status).toBe(202);
    expect((await stats()).fcodes).toEqual({ issued: 4, redeemed: 3 });
  });
});
