import { OrderIds, newOrderId, orderIdTime } from './order-id';

describe('order ids (UUIDv7)', () => {
  it('carry the time they were made, and are well-formed UUIDs', () => {
    const at = Date.UTC(2014, 6, 22, 8, 30, 0, 123);
    const id = newOrderId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(orderIdTime(id)).toEqual(new Date(at));
  });

  it('are unique and sort by time', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newOrderId(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('stay unique within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newOrderId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(20_000);
  });

  it('tell no time for ids of another version', () => {
    expect(orderIdTime('5f0e9d8c-7b6a-4c3d-8e2f-1a0b9c8d7e6f')).toBeNull();
    expect(orderIdTime('not-an-id')).toBeNull();
  });
});

describe('tagged order ids', () => {
  const ids = new OrderIds('a-secret-of-at-least-thirty-two-characters');

  it('are UUIDv7 with their time, unique, and recognised as issued', () => {
    const at = Date.UTC(2014, 6, 22, 8, 30, 0, 123);
    const id = ids.next(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(orderIdTime(id)).toEqual(new Date(at));
    expect(ids.issued(id)).toBe(true);
    const many = Array.from({ length: 20_000 }, () => ids.next(at));
    expect(new Set(many).size).toBe(20_000);
  });

  it("tell made-up ids, altered ids and other installs' ids apart", () => {
    const id = ids.next();
    expect(ids.issued(newOrderId())).toBe(false);
    expect(ids.issued(`${id.slice(0, 35)}${id.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(ids.issued(`${id.slice(0, 20)}${id[20] === 'a' ? 'b' : 'a'}${id.slice(21)}`)).toBe(
      false,
    );
    expect(new OrderIds('another-secret-of-at-least-thirty-two-chars').issued(id)).toBe(false);
    expect(ids.issued('not-an-id')).toBe(false);
  });
});
