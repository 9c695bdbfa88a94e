import type { SaleEvent, SalePulse, SoldOutRegistry } from '@flash/inventory';
import { LiveEvent, LiveSales, SaleSchedule } from './live-sales';

const SALE = 'sale-1';
const T0 = Date.parse('2026-12-02T10:00:00Z');

const schedule: SaleSchedule = {
  saleId: SALE,
  stock: 10,
  startsAt: new Date(T0),
  endsAt: new Date(T0 + 3_600_000),
};

function pulse(at: number, remaining: number, overrides: Partial<SalePulse> = {}): SaleEvent {
  return {
    kind: 'pulse',
    saleId: SALE,
    pulse: {
      at,
      stock: 10,
      remaining,
      held: 10 - remaining,
      paid: 0,
      orders: 10 - remaining,
      pipelineLag: 0,
      queue: null,
      registrations: null,
      audit: null,
      ...overrides,
    },
  };
}

describe('LiveSales', () => {
  let live: LiveSales;
  let listener: (event: SaleEvent) => void;

  beforeEach(() => {
    const registry = {
      listen: (l: (event: SaleEvent) => void) => {
        listener = l;
        return () => undefined;
      },
      follow: () => Promise.resolve(),
    } as unknown as SoldOutRegistry;
    live = new LiveSales(registry);
    live.onModuleInit();
  });

  const page = () => {
    const events: LiveEvent[] = [];
    return { events, send: (e: LiveEvent) => events.push(e) };
  };

  it('sends the stock when it changes, with its status on the Redis clock', () => {
    const p = page();
    live.followStock(schedule, p.send);
    listener(pulse(T0 - 5000, 10));
    listener(pulse(T0 - 4000, 10)); // nothing changed: nothing sent
    listener(pulse(T0 + 1000, 7));
    listener(pulse(T0 + 2000, 0));
    expect(p.events).toEqual([
      {
        type: 'stock',
        data: { saleId: SALE, stock: 10, remaining: 10, status: 'upcoming', at: T0 - 5000 },
      },
      {
        type: 'stock',
        data: { saleId: SALE, stock: 10, remaining: 7, status: 'live', at: T0 + 1000 },
      },
      {
        type: 'stock',
        data: { saleId: SALE, stock: 10, remaining: 0, status: 'sold_out', at: T0 + 2000 },
      },
    ]);
  });

  it('announces a sell-out at once, before the next pulse', () => {
    const p = page();
    live.followStock(schedule, p.send);
    listener(pulse(T0 + 1000, 3));
    listener({ kind: 'sold_out', saleId: SALE });
    expect(p.events.at(-1)).toMatchObject({
      type: 'stock',
      data: { remaining: 0, status: 'sold_out' },
    });
  });

  it("adds up every instance's attempts between two pulses into per-second rates", () => {
    const p = page();
    live.followCounters(schedule, p.send);
    listener(pulse(T0, 10));
    listener({ kind: 'attempts', saleId: SALE, accepted: 3, refused: 100 });
    listener({ kind: 'attempts', saleId: SALE, accepted: 2, refused: 300 });
    listener(
      pulse(T0 + 2000, 5, {
        queue: { joined: 40, admitted: 20, waiting: 20, suspects: 0, held: 0 },
      }),
    );
    expect(p.events).toHaveLength(2);
    expect(p.events[0]).toMatchObject({
      type: 'counters',
      data: { attempts: { accepted: 0, refused: 0, perSecond: null } },
    });
    expect(p.events[1]).toMatchObject({
      type: 'counters',
      data: {
        saleId: SALE,
        remaining: 5,
        queue: { joined: 40, admitted: 20, waiting: 20 },
        attempts: { accepted: 5, refused: 400, perSecond: { accepted: 3, refused: 200 } },
      },
    });
  });

  it('sends an order its closing once and closes the page; other orders are not told', () => {
    const mine = page();
    const other = page();
    let closed = 0;
    live.followOrder('o-1', mine.send, () => closed++);
    live.followOrder('o-2', other.send, () => undefined);
    listener({ kind: 'order', saleId: SALE, orderId: 'o-1', status: 'paid' });
    listener({ kind: 'order', saleId: SALE, orderId: 'o-1', status: 'paid' });
    expect(mine.events).toEqual([{ type: 'order', data: { orderId: 'o-1', status: 'paid' } }]);
    expect(closed).toBe(1);
    expect(other.events).toEqual([]);
    expect(live.size).toBe(1);
  });

  it('tells pages of a rebuild, and forgets a sale when its last page leaves', () => {
    const p = page();
    const stop = live.followStock(schedule, p.send);
    listener({ kind: 'paused', saleId: SALE });
    listener({ kind: 'resumed', saleId: SALE });
    expect(p.events.map((e) => e.type)).toEqual(['paused', 'resumed']);
    stop();
    expect(live.size).toBe(0);
    listener(pulse(T0, 1));
    expect(p.events).toHaveLength(2);
  });
});
