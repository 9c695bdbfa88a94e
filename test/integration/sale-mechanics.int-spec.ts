import { randomUUID } from 'node:crypto';
import { ScriptGateway, codeShard, homeShard, registrationSlot } from '@flash/inventory';
import { generateFcode, hashFcode } from '@flash/fcodes';
import { AdmissionController, ticketState } from '@flash/waiting-room';
import { inventoryHarness } from '../support/inventory-harness';

/**
 * The Lua side of appointments, F-codes and the waiting room, against the real Redis and
 * under real concurrency (several connections racing); unsharded, and with the sale's stock
 * over 3 inventory shards, where codes and the queue live outside the buyers' home shards.
 */
describe.each([1, 3])('sale mechanics in Redis, %i shard(s)', (shards) => {
  const { world, keys, services, inventory, redis } = inventoryHarness(8);
  const scripts = new ScriptGateway(redis, keys);

  interface SaleOptions {
    stock?: number;
    limit?: number;
    startsInMs?: number;
    registration?: { opensInMs: number; closesInMs: number };
    priorityInMs?: number;
    waitingRoom?: { admissionRate: number; admissionTtlSeconds: number; preQueue?: boolean };
  }

  async function sale(options: SaleOptions = {}): Promise<string> {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: options.stock ?? 100,
      perUserLimit: options.limit ?? 1,
      startsAt: new Date(now + (options.startsInMs ?? -1000)),
      endsAt: null,
      registration: options.registration && {
        opensAt: new Date(now + options.registration.opensInMs),
        closesAt: new Date(now + options.registration.closesInMs),
      },
      priorityStartsAt:
        options.priorityInMs === undefined ? null : new Date(now + options.priorityInMs),
      waitingRoom: options.waitingRoom ?? null,
      shards,
    });
    return saleId;
  }

  const buy = (
    saleId: string,
    buyerId: string,
    extra: { fcodeHash?: string; admissionTicket?: number; idempotencyKey?: string } = {},
    service = inventory,
  ) =>
    service.purchase({
      saleId,
      buyerId,
      quantity: 1,
      orderId: randomUUID(),
      paymentWindowMs: 60_000,
      ...extra,
    });

  const register = async (saleId: string, buyerId: string) => {
    const r = await scripts.run('register', {
      saleId,
      buyerId,
      shard: homeShard(buyerId, shards),
    });
    return [r.kind, r.registeredAtMs] as const;
  };

  /** Issues codes as FcodesService does: each in its own shard. */
  const addCodes = async (saleId: string, hashes: string[]) => {
    let added = 0;
    for (const hash of hashes) {
      const r = await scripts.run('addFcodes', {
        saleId,
        shard: codeShard(hash, shards),
        hashes: [hash],
      });
      if (r.kind === 'added') added += r.added;
    }
    return added;
  };

  /** Joins as WaitingRoomService does (a sharded sale's appointment is in the home shard). */
  const join = async (saleId: string, buyerId: string) => {
    const registered =
      shards > 1 ? await inventory.gates.registered(saleId, buyerId, shards) : undefined;
    const r = await scripts.run('joinQueue', { saleId, buyerId, registered });
    return [r.kind, r.ticket, r.joinedAtMs] as const;
  };

  const ticketOf = async (saleId: string, buyerId: string) => {
    const raw = await scripts.run('queueTicket', { saleId, buyerId });
    if (shards > 1) raw.used = await inventory.gates.admissionUsed(saleId, buyerId, shards);
    return ticketState(raw);
  };

  /** Buys with the ticket the buyer holds, as the API does after verifying their token. */
  const admittedBuy = async (
    saleId: string,
    buyerId: string,
    extra: { idempotencyKey?: string } = {},
  ) =>
    buy(saleId, buyerId, {
      admissionTicket: (await ticketOf(saleId, buyerId)).ticket ?? -1,
      ...extra,
    });

  describe('appointments', () => {
    it('register once in the window, and only registered buyers may buy', async () => {
      const saleId = await sale({ registration: { opensInMs: -5000, closesInMs: -1000 } });
      // The window closed a second ago: nobody can register any more...
      expect((await register(saleId, 'late'))[0]).toBe('closed');
      expect((await buy(saleId, 'late')).kind).toBe('not_registered');

      const open = await sale({ registration: { opensInMs: -1000, closesInMs: 60_000 } });
      const [code, at] = await register(open, 'alice');
      expect(code).toBe('registered');
      expect(await register(open, 'alice')).toEqual(['already', at]);
      expect((await inventory.mechanicsCounters(open)).registrations).toBe(1);
      const future = await sale({ registration: { opensInMs: 10_000, closesInMs: 20_000 } });
      expect((await register(future, 'alice'))[0]).toBe('not_open');
      expect((await register(await sale(), 'alice'))[0]).toBe('not_enabled');
    });

    it('gate the purchase: 300 racing buyers, only the 100 registered get units', async () => {
      const saleId = await sale({
        stock: 1000,
        registration: { opensInMs: -1000, closesInMs: 2000 },
        startsInMs: 2000,
      });
      const buyers = Array.from({ length: 300 }, (_, i) => `b${i}`);
      await Promise.all(buyers.slice(0, 100).map((b) => register(saleId, b)));
      await new Promise((r) => setTimeout(r, 2100));
      const results = await Promise.all(
        buyers.map((b, i) => buy(saleId, b, {}, services[i % services.length])),
      );
      results.forEach((r, i) => expect(r.kind).toBe(i < 100 ? 'accepted' : 'not_registered'));
      expect((await inventory.counters(saleId))!.remaining).toBe(900);
    });

    it('stay in compact listpack buckets', async () => {
      const saleId = await sale({ registration: { opensInMs: -1000, closesInMs: 60_000 } });
      const n = 20_000;
      for (let i = 0; i < n; i += 1000) {
        // One pipeline per home shard: on a cluster a pipeline stays within one slot.
        const pipelines = Array.from({ length: shards }, () => redis.pipeline());
        for (let j = i; j < i + 1000; j++) {
          // A pipelined command's reply comes with exec(), which is awaited below.
          const buyerId = `buyer-${j}`;
          const shard = homeShard(buyerId, shards);
          scripts.queue(pipelines[shard], 'register', { saleId, buyerId, shard });
        }
        await Promise.all(pipelines.map((p) => p.exec()));
      }
      expect((await inventory.mechanicsCounters(saleId)).registrations).toBe(n);
      const bucket = keys.registrationBucket(
        saleId,
        registrationSlot('buyer-1').bucket,
        homeShard('buyer-1', shards),
      );
      expect(await redis.object('ENCODING', bucket)).toBe('listpack');
    });
  });

  describe('F-codes', () => {
    async function fcodeSale(count: number, stock: number, priorityInMs = -1000) {
      const saleId = await sale({ stock, priorityInMs, startsInMs: 60_000 });
      const codes = Array.from({ length: count }, generateFcode);
      expect(await addCodes(saleId, codes.map(hashFcode))).toBe(count);
      return { saleId, codes };
    }

    it('1,000 concurrent redemptions of 100 codes: exactly 100 succeed, each code once', async () => {
      const { saleId, codes } = await fcodeSale(100, 1000);
      // Ten buyers try each code at once, through eight connections.
      const attempts = Array.from({ length: 1000 }, (_, i) => ({
        buyer: `fan-${i}`,
        kind: codes[i % 100],
      }));
      const results = await Promise.all(
        attempts.map((a, i) =>
          buy(saleId, a.buyer, { fcodeHash: hashFcode(a.kind) }, services[i % services.length]),
        ),
      );
      const accepted = results.filter((r) => r.kind === 'accepted');
      expect(accepted).toHaveLength(100);
      expect(results.filter((r) => r.kind === 'fcode_invalid')).toHaveLength(900);
      const codesUsed = new Set(
        results.map((r, i) => (r.kind === 'accepted' ? attempts[i].kind : null)).filter(Boolean),
      );
      expect(codesUsed.size).toBe(100);
      const holds = await inventory.holds(saleId);
      expect(new Set(holds.map((h) => h.fcodeHash)).size).toBe(100);
      expect(await inventory.mechanicsCounters(saleId)).toMatchObject({
        fcodes: { issued: 100, redeemed: 100 },
      });
      expect((await inventory.counters(saleId))!.remaining).toBe(900);
    });

    it('open the priority window to holders only; bad codes are refused', async () => {
      const { saleId, codes } = await fcodeSale(2, 10);
      expect((await buy(saleId, 'public')).kind).toBe('not_started');
      expect((await buy(saleId, 'x', { fcodeHash: hashFcode(generateFcode()) })).kind).toBe(
        'fcode_invalid',
      );
      expect((await buy(saleId, 'fan', { fcodeHash: hashFcode(codes[0]) })).kind).toBe('accepted');
      const future = await fcodeSale(1, 10, 30_000);
      expect(
        (await buy(future.saleId, 'fan', { fcodeHash: hashFcode(future.codes[0]) })).kind,
      ).toBe('not_started');
      // A code of one sale is worth nothing in another.
      const other = await fcodeSale(1, 10);
      expect((await buy(other.saleId, 'fan2', { fcodeHash: hashFcode(codes[1]) })).kind).toBe(
        'fcode_invalid',
      );
      // A sale that takes no F-codes refuses every code.
      expect((await buy(await sale(), 'fan', { fcodeHash: hashFcode(codes[1]) })).kind).toBe(
        'fcode_invalid',
      );
    });

    it('come back when their order is cancelled or expires, once', async () => {
      const { saleId, codes } = await fcodeSale(1, 10);
      const fcodeHash = hashFcode(codes[0]);
      const first = await buy(saleId, 'fan', { fcodeHash });
      expect(first.kind).toBe('accepted');
      expect((await buy(saleId, 'other', { fcodeHash })).kind).toBe('fcode_invalid');
      const orderId = (first as { orderId: string }).orderId;
      expect((await inventory.closeOrder(saleId, orderId, 'cancelled')).kind).toBe('closed');
      expect((await inventory.closeOrder(saleId, orderId, 'cancelled')).kind).toBe('already');
      expect((await inventory.mechanicsCounters(saleId)).fcodes).toEqual({
        issued: 1,
        redeemed: 0,
      });
      const second = await buy(saleId, 'other', { fcodeHash });
      expect(second.kind).toBe('accepted');
      // Paid: the code stays spent.
      await inventory.closeOrder(saleId, (second as { orderId: string }).orderId, 'paid');
      expect((await buy(saleId, 'third', { fcodeHash })).kind).toBe('fcode_invalid');

      // Unpaid past its deadline: the expiry gives the code back too.
      const lapsing = await fcodeSale(1, 10);
      const lapsingHash = hashFcode(lapsing.codes[0]);
      const unpaid = await inventory.purchase({
        saleId: lapsing.saleId,
        buyerId: 'slow',
        quantity: 1,
        orderId: randomUUID(),
        paymentWindowMs: 1,
        fcodeHash: lapsingHash,
      });
      expect(unpaid.kind).toBe('accepted');
      await new Promise((r) => setTimeout(r, 10));
      const unpaidId = (unpaid as { orderId: string }).orderId;
      expect((await inventory.closeOrder(lapsing.saleId, unpaidId, 'expired')).kind).toBe('closed');
      expect((await buy(lapsing.saleId, 'next', { fcodeHash: lapsingHash })).kind).toBe('accepted');
    });

    it('skip the appointment and waiting-room gates', async () => {
      const saleId = await sale({
        priorityInMs: -2000,
        registration: { opensInMs: -5000, closesInMs: -1000 },
        waitingRoom: { admissionRate: 1, admissionTtlSeconds: 60 },
      });
      const code = generateFcode();
      await addCodes(saleId, [hashFcode(code)]);
      expect((await buy(saleId, 'walk-in')).kind).toBe('not_registered');
      expect((await buy(saleId, 'fan', { fcodeHash: hashFcode(code) })).kind).toBe('accepted');
    });
  });

  describe('waiting room', () => {
    const controller = () => {
      const c = new AdmissionController(world.config, keys, scripts, inventory);
      c.connect();
      afterAll(() => c.onApplicationShutdown());
      return c;
    };
    const admission = controller();

    /** Runs the admission controller until `count` tickets are admitted. */
    const admitAll = async (saleId: string, count: number) => {
      for (let i = 0; i < 100; i++) {
        if ((await admission.admit(saleId)).head >= count) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`fewer than ${count} admitted`);
    };

    const rivals = [controller(), controller()];

    it('shuffles the pre-queue once at the opening, then serves later arrivals in order', async () => {
      const saleId = await sale({
        startsInMs: 1500,
        waitingRoom: { admissionRate: 1000, admissionTtlSeconds: 60 },
      });
      const early = Array.from({ length: 300 }, (_, i) => `early-${i}`);
      for (const buyer of early) {
        const [code, ticket] = await join(saleId, buyer);
        expect([code, ticket]).toEqual(['joined', 0]);
      }
      expect((await ticketOf(saleId, 'early-0')).status).toBe('pre_queue');
      expect((await admission.admit(saleId)).kind).toBe('not_open');
      await new Promise((r) => setTimeout(r, 1600));

      // After the opening: first come, first served, behind the whole pre-queue.
      const late = Array.from({ length: 50 }, (_, i) => `late-${i}`);
      const lateTickets: number[] = [];
      for (const buyer of late) lateTickets.push((await join(saleId, buyer))[1]);
      expect(lateTickets).toEqual(late.map((_, i) => 301 + i));
      // One ticket per buyer: joining again gives the same ticket.
      expect((await join(saleId, 'late-3'))[1]).toBe(304);
      expect((await join(saleId, 'early-3'))[0]).toBe('already');

      // Nobody is admitted before the pre-queue is placed.
      expect((await admission.admit(saleId)).kind).toBe('shuffle_pending');
      expect(await admission.shuffle(saleId)).toBe(true);
      expect(await admission.shuffle(saleId)).toBe(false);

      const tickets = await Promise.all(early.map((b) => ticketOf(saleId, b)));
      const placed = tickets.map((t) => t.ticket!);
      expect([...placed].sort((a, b) => a - b)).toEqual(early.map((_, i) => i + 1));
      // Arrival order says nothing about the place: Spearman's rho near 0 (sd ~0.058 here).
      const n = early.length;
      const d2 = placed.reduce((sum, t, i) => sum + (t - (i + 1)) ** 2, 0);
      const rho = 1 - (6 * d2) / (n * (n * n - 1));
      expect(Math.abs(rho)).toBeLessThan(0.3);
      // ...and the first joiner is not systematically first: spread over the whole line.
      expect(tickets.every((t) => t.status === 'waiting')).toBe(true);
    });

    it('without a pre-queue, refuses joins before the opening, then serves in arrival order', async () => {
      const saleId = await sale({
        startsInMs: 800,
        waitingRoom: { admissionRate: 1000, admissionTtlSeconds: 60, preQueue: false },
      });
      expect((await join(saleId, 'too-early'))[0]).toBe('not_started');
      await new Promise((r) => setTimeout(r, 900));
      const buyers = Array.from({ length: 20 }, (_, i) => `fifo-${i}`);
      const tickets: number[] = [];
      for (const buyer of buyers) tickets.push((await join(saleId, buyer))[1]);
      // The refused early join left nothing: tickets start at 1, in the order of arrival.
      expect(tickets).toEqual(buyers.map((_, i) => i + 1));
      expect((await join(saleId, 'too-early'))[1]).toBe(21);
      // Nothing to shuffle: the controller admits at once, first come first served.
      await admitAll(saleId, 3);
      expect((await ticketOf(saleId, 'fifo-0')).status).toBe('admitted');
    });

    it('holds suspects in line and never admits them, whenever they were flagged', async () => {
      const saleId = await sale({
        startsInMs: 1200,
        waitingRoom: { admissionRate: 1000, admissionTtlSeconds: 60 },
      });
      const hold = (buyerIds: string[]) => scripts.run('holdSuspects', { saleId, buyerIds });
      // Flagged before joining, and flagged while in the pre-queue.
      expect(await hold(['bot-early'])).toEqual({ flagged: 1, moved: 0, admitted: 0 });
      const people = Array.from({ length: 20 }, (_, i) => `person-${i}`);
      for (const buyer of [...people, 'bot-early', 'bot-pre'])
        expect((await join(saleId, buyer))[0]).toBe('joined');
      expect(await hold(['bot-pre'])).toEqual({ flagged: 1, moved: 0, admitted: 0 });
      // Nothing tells them: the same answers as a person's.
      expect((await ticketOf(saleId, 'bot-early')).status).toBe('pre_queue');
      expect((await ticketOf(saleId, 'bot-pre')).status).toBe('pre_queue');

      await new Promise((r) => setTimeout(r, 1300));
      // After the opening: a bot flagged while waiting in line, and a person behind it.
      expect((await join(saleId, 'bot-late'))[0]).toBe('joined');
      expect((await join(saleId, 'person-late'))[0]).toBe('joined');
      expect(await admission.shuffle(saleId)).toBe(true);
      expect(await hold(['bot-late', 'bot-early'])).toEqual({ flagged: 1, moved: 1, admitted: 0 });
      expect(await hold(['bot-late'])).toEqual({ flagged: 0, moved: 0, admitted: 0 });

      // The head passes every number handed out, theirs included; none of them is let in.
      await admitAll(saleId, 23);
      for (const buyer of [...people, 'person-late'])
        expect((await ticketOf(saleId, buyer)).status).toBe('admitted');
      for (const bot of ['bot-early', 'bot-pre', 'bot-late']) {
        const ticket = await ticketOf(saleId, bot);
        expect(ticket.status).toBe('waiting');
        expect(ticket.position).toBeGreaterThanOrEqual(1);
        expect(ticket.ticket).toBe(
          (await inventory.mechanicsCounters(saleId)).queue!.admitted + ticket.position!,
        );
        expect((await admittedBuy(saleId, bot)).kind).toBe('admission_invalid');
        expect((await join(saleId, bot))[0]).toBe('already');
      }
      expect((await admittedBuy(saleId, 'person-3')).kind).toBe('accepted');
      expect((await inventory.mechanicsCounters(saleId)).queue).toMatchObject({
        suspects: 3,
        held: 3,
      });

      // A suspect already admitted keeps that admission: flagging counts it, and stops no one.
      expect(await hold(['person-5'])).toEqual({ flagged: 1, moved: 0, admitted: 1 });
      expect((await admittedBuy(saleId, 'person-5')).kind).toBe('accepted');
    });

    it('admits at the configured rate, even with several controllers racing', async () => {
      const rate = 40;
      const saleId = await sale({ waitingRoom: { admissionRate: rate, admissionTtlSeconds: 60 } });
      for (let i = 0; i < 500; i++) await join(saleId, `q-${i}`);
      const controllers = [admission, ...rivals];
      const startedMs = await inventory.now();
      const samples: { at: number; head: number }[] = [];
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        const passes = await Promise.all(controllers.map((c) => c.admit(saleId)));
        const head = Math.max(...passes.map((p) => p.head));
        samples.push({ at: await inventory.now(), head });
        await new Promise((r) => setTimeout(r, 20));
      }
      // The bound: one second of burst at most, plus the rate times the time elapsed.
      for (const s of samples) {
        expect(s.head).toBeLessThanOrEqual(Math.ceil(rate + (rate * (s.at - startedMs)) / 1000));
      }
      expect(samples[samples.length - 1].head).toBeGreaterThan(0);
      const first = await ticketOf(saleId, 'q-0');
      expect(first.status).toBe('admitted');
      expect(first.admissionExpiresAt).toBeDefined();
      const lastInLine = await ticketOf(saleId, 'q-499');
      expect(lastInLine.status).toBe('waiting');
      expect(lastInLine.position).toBe(500 - samples[samples.length - 1].head);
    });

    it('never has more admissions open than units left, and frees them as they are used or lapse', async () => {
      const saleId = await sale({
        stock: 5,
        waitingRoom: { admissionRate: 1000, admissionTtlSeconds: 1 },
      });
      for (let i = 0; i < 50; i++) await join(saleId, `c-${i}`);
      await new Promise((r) => setTimeout(r, 20));
      expect(await admission.admit(saleId)).toMatchObject({ head: 5, admitted: 5 });
      expect((await admission.admit(saleId)).admitted).toBe(0);
      // Two of them buy: three units left, three admissions still open.
      for (const buyer of ['c-0', 'c-1']) {
        expect((await admittedBuy(saleId, buyer)).kind).toBe('accepted');
      }
      expect((await admission.admit(saleId)).admitted).toBe(0);
      // A lifetime later the three unused admissions have lapsed: three more are let in.
      await new Promise((r) => setTimeout(r, 1100));
      expect(await admission.admit(saleId)).toMatchObject({ head: 8, admitted: 3 });
      expect((await ticketOf(saleId, 'c-2')).status).toBe('expired');
      expect((await ticketOf(saleId, 'c-7')).status).toBe('admitted');
    });

    it('requires an admission for the purchase, and an admission buys once', async () => {
      const saleId = await sale({ waitingRoom: { admissionRate: 100, admissionTtlSeconds: 60 } });
      for (const buyer of ['a', 'b', 'c']) await join(saleId, buyer);
      await admitAll(saleId, 3);
      expect((await buy(saleId, 'a')).kind).toBe('admission_required');
      expect((await admittedBuy(saleId, 'a')).kind).toBe('accepted');
      expect((await admittedBuy(saleId, 'a')).kind).toBe('admission_used');
      // A replay of the accepted purchase still answers with its order.
      const keyed = await admittedBuy(saleId, 'b', { idempotencyKey: 'k1' });
      expect(await admittedBuy(saleId, 'b', { idempotencyKey: 'k1' })).toMatchObject({
        kind: 'replayed',
        orderId: (keyed as { orderId: string }).orderId,
      });
    });

    it('checks the admission itself: a token naming a ticket is not enough', async () => {
      const saleId = await sale({ waitingRoom: { admissionRate: 2, admissionTtlSeconds: 60 } });
      for (const buyer of ['first', 'second', 'third', 'fourth']) await join(saleId, buyer);
      await admitAll(saleId, 2);
      const ticket = async (buyer: string) => (await ticketOf(saleId, buyer)).ticket as number;
      // Someone else's admitted ticket; a ticket not admitted yet; a buyer who never queued.
      expect((await buy(saleId, 'third', { admissionTicket: await ticket('first') })).kind).toBe(
        'admission_invalid',
      );
      expect((await admittedBuy(saleId, 'fourth')).kind).toBe('admission_invalid');
      expect((await buy(saleId, 'stranger', { admissionTicket: 1 })).kind).toBe(
        'admission_invalid',
      );
      expect((await admittedBuy(saleId, 'first')).kind).toBe('accepted');
    });

    it('refuses an admission that lapsed, even with an unexpired token', async () => {
      const saleId = await sale({ waitingRoom: { admissionRate: 100, admissionTtlSeconds: 1 } });
      await join(saleId, 'slow');
      await admitAll(saleId, 1);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await admittedBuy(saleId, 'slow')).kind).toBe('admission_invalid');
    });

    it('closes at the sell-out and resumes when units come back', async () => {
      const saleId = await sale({
        stock: 1,
        waitingRoom: { admissionRate: 1000, admissionTtlSeconds: 60 },
      });
      await join(saleId, 'fast');
      await join(saleId, 'w-0');
      await join(saleId, 'w-1');
      await admitAll(saleId, 1);
      const bought = await admittedBuy(saleId, 'fast');
      expect(bought.kind).toBe('accepted');
      expect((await admission.admit(saleId)).kind).toBe('sold_out');
      expect((await ticketOf(saleId, 'w-0')).status).toBe('sold_out');
      expect((await join(saleId, 'w-2'))[0]).toBe('sold_out');

      await inventory.closeOrder(saleId, (bought as { orderId: string }).orderId, 'cancelled');
      expect((await ticketOf(saleId, 'w-0')).status).toBe('waiting');
      expect((await join(saleId, 'w-2'))[0]).toBe('joined');
      await new Promise((r) => setTimeout(r, 50));
      const pass = await admission.admit(saleId);
      expect(pass.kind).toBe('admitting');
      expect(pass.head).toBeGreaterThan(0);
    });

    it('asks registered buyers only, where the sale takes appointments', async () => {
      const saleId = await sale({
        registration: { opensInMs: -5000, closesInMs: -1000 },
        waitingRoom: { admissionRate: 10, admissionTtlSeconds: 60 },
      });
      expect((await join(saleId, 'stranger'))[0]).toBe('not_registered');
      expect((await join(await sale(), 'x'))[0]).toBe('not_enabled');
    });
  });
});
