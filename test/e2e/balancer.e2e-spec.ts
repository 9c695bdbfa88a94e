import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import { Pool } from 'undici';
import { mintToken } from '../../loadtest/bench/bench-support';
import { readEvents } from '../../loadtest/driver/server-sent-events';
import { FaultStack } from '../../loadtest/faults/fault-stack';
import { call } from '../support/client';
import { TestWorld, destroyWorld, migrate, newWorld, sqlClient } from '../support/test-env';

const BUYERS = 30;

/** One buyer's wait over server-sent events, through the balancer. */
interface Follower {
  buyer: string;
  token: string;
  /** X-Served-By of each stream the buyer opened, in order. */
  servedBy: string[];
  /** Resolves once the first stream has shown the ticket. */
  firstTicket: Promise<void>;
  /** The admission token, once a stream showed the ticket admitted. */
  admitted: Promise<string>;
}

/**
 * Three API instances behind HAProxy (the configuration compose mounts), one worker. Buyers
 * wait in the pre-queue, each following the ticket over SSE through the balancer. The
 * instance serving the most streams is killed with kill -9: its followers' streams break,
 * they open them again through the balancer, land on another instance, read the ticket
 * again, and are admitted and buy there. Nothing is lost, duplicated or oversold.
 */
describe('several API instances behind HAProxy', () => {
  let world: TestWorld;
  let stack: FaultStack;
  let sql: Client;
  let streams: Pool;

  beforeAll(async () => {
    world = newWorld();
    await migrate(world);
    const pick = (names: string[]) => Object.fromEntries(names.map((n) => [n, world.env[n]]));
    stack = await FaultStack.start({
      databaseUrl: world.env.DATABASE_URL,
      env: {
        ...pick(['REDIS_URL', 'DATABASE_SCHEMA', 'REDIS_KEY_PREFIX', 'QUEUE_PREFIX']),
        ...(world.env.REDIS_CLUSTER_NODES ? pick(['REDIS_CLUSTER_NODES']) : {}),
        ADMISSION_TICK_MS: '50',
      },
      instances: { apis: 3, workers: 1 },
    });
    sql = await sqlClient(world);
    streams = new Pool(stack.baseUrl, { connections: BUYERS * 2 });
  }, 120_000);

  afterAll(async () => {
    await streams?.close();
    await stack?.stop();
    await sql?.end();
    if (world) await destroyWorld(world);
  });

  /** Opens the ticket's stream again each time it breaks off, until the buyer is admitted. */
  function follow(saleId: string, buyer: string): Follower {
    const token = mintToken(buyer, stack.jwtSecret);
    const servedBy: string[] = [];
    let sawTicket!: () => void;
    const firstTicket = new Promise<void>((resolve) => (sawTicket = resolve));
    const admitted = (async () => {
      for (let opened = 0; opened < 8; opened++) {
        if (opened > 0) await sleep(200);
        const res = await streams
          .request({
            method: 'GET',
            path: `/sales/${saleId}/queue/events`,
            headers: { authorization: `Bearer ${token}` },
          })
          .catch(() => null);
        if (!res || res.statusCode !== 200) {
          await res?.body.dump();
          continue;
        }
        servedBy.push(String(res.headers['x-served-by']));
        let admission: string | undefined;
        await readEvents(res.body, (event) => {
          const ticket = event.data as { status: string; admissionToken?: string };
          if (event.type !== 'ticket') return false;
          sawTicket();
          if (ticket.status === 'admitted') admission = ticket.admissionToken;
          return admission !== undefined;
        }).catch(() => false); // the instance died mid-stream
        res.body.destroy();
        if (admission) return admission;
      }
      throw new Error(`${buyer} was never admitted`);
    })();
    return { buyer, token, servedBy, firstTicket, admitted };
  }

  it('SSE followers of a killed instance reconnect to another one, are admitted and buy once each', async () => {
    const created = await call(stack.http, 'POST', '/admin/sales', {
      token: stack.adminToken,
      body: {
        name: 'Behind the balancer',
        sku: 'LB',
        price: 199_900,
        stock: BUYERS,
        perUserLimit: 1,
        startsAt: new Date(Date.now() + 12_000).toISOString(),
        waitingRoom: { admissionRate: 20 },
      },
    });
    expect(created.status).toBe(201);
    const saleId = created.body.id as string;

    const buyers = Array.from({ length: BUYERS }, (_, i) => `lb-buyer-${i}`);
    for (const buyer of buyers) {
      const joined = await call(stack.http, 'POST', `/sales/${saleId}/queue`, {
        token: mintToken(buyer, stack.jwtSecret),
      });
      expect(joined.status).toBe(201);
    }
    const followers = buyers.map((b) => follow(saleId, b));
    await Promise.all(followers.map((f) => f.firstTicket));

    // The instance with the most open streams dies before the opening.
    const streamsBy = new Map<string, number>();
    for (const f of followers)
      streamsBy.set(f.servedBy[0], (streamsBy.get(f.servedBy[0]) ?? 0) + 1);
    const [victim] = [...streamsBy.entries()].sort((a, b) => b[1] - a[1])[0];
    expect(victim).toMatch(/^api[123]$/);
    await stack.killApi(Number(victim.slice(3)) - 1);

    const tokens = await Promise.all(followers.map((f) => f.admitted));
    const moved = followers.filter((f) => f.servedBy[0] === victim);
    expect(moved.length).toBeGreaterThan(0);
    for (const f of moved) {
      expect(f.servedBy.length).toBeGreaterThan(1);
      expect(f.servedBy.slice(1)).not.toContain(victim);
    }

    const answers = await Promise.all(
      followers.map((f, i) =>
        call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
          token: f.token,
          headers: { 'admission-token': tokens[i], 'idempotency-key': `lb-${i}` },
          body: { quantity: 1 },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));

    // Every unit in Postgres once, one per buyer, none beyond the stock.
    let rows: { buyer_id: string; units: number }[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      ({ rows } = await sql.query(
        `SELECT buyer_id, sum(quantity)::int AS units FROM orders WHERE sale_id = $1 GROUP BY buyer_id`,
        [saleId],
      ));
      if (rows.length >= BUYERS) break;
      await sleep(100);
    }
    expect(rows.map((r) => r.buyer_id).sort()).toEqual([...buyers].sort());
    expect(rows.every((r) => r.units === 1)).toBe(true);
    const stats = await stack.get(`/admin/sales/${saleId}/stats`);
    expect(stats.body).toMatchObject({ stock: BUYERS, remaining: 0 });
  }, 120_000);
});
