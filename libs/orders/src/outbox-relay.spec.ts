import { relayBatchKey } from './outbox-relay';

describe('relayBatchKey', () => {
  const sale = '6f1c3c1e-9d2a-4c7e-9a51-0c9f1f0b2a10';

  it('names the same entries the same way, so a batch relayed twice is one job', () => {
    expect(relayBatchKey(sale, ['1-0', '1-1', '2-0'])).toBe(
      relayBatchKey(sale, ['1-0', '1-1', '2-0']),
    );
  });

  it('names a batch that differs by one entry differently, even with the same first entry', () => {
    const reclaimed = relayBatchKey(sale, ['1-0', '1-1']);
    expect(relayBatchKey(sale, ['1-0', '1-1', '3-0'])).not.toBe(reclaimed);
    expect(relayBatchKey(sale, ['1-0'])).not.toBe(reclaimed);
  });

  it('is a valid BullMQ job id: no colon, scoped by the sale', () => {
    const key = relayBatchKey(sale, ['1732000000000-0']);
    expect(key).not.toContain(':');
    expect(key.startsWith(`${sale}_`)).toBe(true);
    expect(relayBatchKey('other', ['1732000000000-0'])).not.toBe(key);
  });

  it("names two shards' batches of the same entry ids differently: each outbox numbers its own", () => {
    const ids = ['1796190861619-0', '1796190861619-1'];
    const keys = [0, 1, 2].map((shard) => relayBatchKey(sale, ids, shard));
    expect(new Set(keys).size).toBe(3);
    expect(keys[0]).toBe(relayBatchKey(sale, ids));
  });
});
