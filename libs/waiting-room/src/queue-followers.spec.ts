import { SaleEvent, saleEventCodec } from '@flash/inventory';
import type { SoldOutRegistry } from '@flash/inventory';
import { QueueEvent, QueueFollowers } from './queue-followers';
import type { TicketOutcome, TicketView, WaitingRoomService } from './waiting-room.service';

const SALE = 'sale-1';

function ticket(buyerId: string, overrides: Partial<TicketView> = {}): TicketView {
  return {
    saleId: SALE,
    buyerId,
    status: 'waiting',
    ticket: 10,
    joinedAt: new Date(0).toISOString(),
    position: 10,
    estimatedWaitSeconds: 5,
    admissionRate: 2,
    ...overrides,
  };
}

describe('QueueFollowers', () => {
  let listener: (event: SaleEvent) => void;
  // The messages as the scripts publish them, decoded as the sold-out registry does.
  const emit = (message: string) => {
    const event = saleEventCodec.decode(message);
    if (event) listener(event);
  };
  let fetched: string[];
  let answers: Map<string, TicketOutcome>;
  let followers: QueueFollowers;
  /** Sales whose events the registry hears; others it starts following when asked. */
  let heard: Set<string>;

  beforeEach(() => {
    fetched = [];
    answers = new Map();
    heard = new Set([SALE, 'another-sale']);
    const registry = {
      listen: (l: (event: SaleEvent) => void) => {
        listener = l;
        return () => undefined;
      },
      generation: (saleId: string) => (heard.has(saleId) ? 0 : null),
      follow: (saleId: string) => {
        heard.add(saleId);
        return Promise.resolve();
      },
    } as unknown as SoldOutRegistry;
    const room = {
      ticket: (_saleId: string, buyerId: string) => {
        fetched.push(buyerId);
        return Promise.resolve(answers.get(buyerId) ?? { kind: 'no_ticket' });
      },
    } as unknown as WaitingRoomService;
    followers = new QueueFollowers(registry, room);
    followers.onModuleInit();
  });

  const follow = (view: TicketView) => {
    const events: QueueEvent[] = [];
    const closed = { value: false };
    followers.follow(
      view,
      (e) => events.push(e),
      () => (closed.value = true),
    );
    return { events, closed };
  };

  it('tells every waiting follower of a sell-out at once, without asking Redis', () => {
    const all = ['a', 'b', 'c'].map((b) => follow(ticket(b)));
    emit(`sold_out:${SALE}`);
    for (const f of all) {
      expect(f.events.map((e) => e.type)).toEqual(['ticket', 'ticket']);
      expect(f.events[1].data).toMatchObject({ status: 'sold_out', position: null });
    }
    expect(fetched).toEqual([]);
    // Units back: the line reopens where the head stands.
    emit(`queue:${SALE}:4`);
    emit(`available:${SALE}`);
    for (const f of all) {
      expect(f.events[2].data).toMatchObject({ status: 'waiting' });
      expect(f.events[3]).toEqual({
        type: 'position',
        data: { position: 6, estimatedWaitSeconds: 3 },
      });
    }
  });

  it('moves positions in memory, at most once a second, and fetches the ticket at its turn', async () => {
    const f = follow(ticket('a'));
    const other = follow(ticket('z', { saleId: 'another-sale' }));
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 5000);
    emit(`queue:${SALE}:3`);
    emit(`queue:${SALE}:5`); // within the second: not sent
    expect(f.events.slice(1)).toEqual([
      { type: 'position', data: { position: 7, estimatedWaitSeconds: 4 } },
    ]);
    expect(other.events).toHaveLength(1);
    answers.set('a', {
      kind: 'ticket',
      ticket: ticket('a', { status: 'admitted', position: null, admissionToken: 'tok' }),
    });
    emit(`queue:${SALE}:10`);
    await new Promise((r) => setImmediate(r));
    expect(fetched).toEqual(['a']);
    expect(f.events[f.events.length - 1].data).toMatchObject({
      status: 'admitted',
      admissionToken: 'tok',
    });
    expect(f.closed.value).toBe(true);
    expect(followers.size).toBe(1);
    jest.restoreAllMocks();
  });

  it('tells followers of a sale being rebuilt to wait, then to join again when tickets are gone', async () => {
    const f = follow(ticket('r'));
    const other = follow({ ...ticket('o'), saleId: 'another-sale' });
    emit(`paused:${SALE}`);
    expect(f.events[1]).toMatchObject({ type: 'paused' });
    expect(other.events).toHaveLength(1);
    answers.set('r', { kind: 'no_ticket' });
    emit(`resumed:${SALE}`);
    await new Promise((r) => setImmediate(r));
    expect(f.events[2]).toMatchObject({ type: 'requeue' });
    expect(f.closed.value).toBe(true);
    expect(fetched).toEqual(['r']);
  });

  it('asks Redis for pre-queue tickets once they are placed', async () => {
    const f = follow(ticket('p', { status: 'pre_queue', ticket: null, position: null }));
    answers.set('p', { kind: 'ticket', ticket: ticket('p', { ticket: 3, position: 3 }) });
    emit(`queue:${SALE}:0`);
    await new Promise((r) => setImmediate(r));
    expect(f.events[1].data).toMatchObject({ status: 'waiting', ticket: 3 });
    expect(f.closed.value).toBe(false);
  });

  it("follows a sale's events with its first stream, then reads the ticket once more", async () => {
    heard.clear();
    const f = follow(ticket('n'));
    answers.set('n', {
      kind: 'ticket',
      ticket: ticket('n', { status: 'sold_out', position: null }),
    });
    await new Promise((r) => setImmediate(r));
    expect(heard.has(SALE)).toBe(true);
    expect(fetched).toEqual(['n']);
    expect(f.events[1].data).toMatchObject({ status: 'sold_out' });
    follow(ticket('m'));
    await new Promise((r) => setImmediate(r));
    expect(fetched).toEqual(['n']);
  });

  it('closes at once for a ticket that is already final', () => {
    const f = follow(ticket('u', { status: 'used', position: null }));
    expect(f.closed.value).toBe(true);
    expect(followers.size).toBe(0);
  });
});
