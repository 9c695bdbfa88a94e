import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('flushes at once when a batch is full', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number>(
      (items) => {
        batches.push(items);
        return Promise.resolve();
      },
      3,
      60_000,
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => batcher.add(n)));
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('flushes a partial batch after the linger time', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number>(
      (items) => {
        batches.push(items);
        return Promise.resolve();
      },
      100,
      5,
    );
    await Promise.all([batcher.add(1), batcher.add(2)]);
    expect(batches).toEqual([[1, 2]]);
    expect(batcher.waiting).toBe(0);
  });

  it('rejects every item of a failed batch and keeps going', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number>(
      () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('db down')) : Promise.resolve();
      },
      2,
      5,
    );
    const first = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.addAll([3, 4])).resolves.toBeUndefined();
  });

  it('drain writes what is waiting and waits for batches in flight', async () => {
    const written: number[] = [];
    const batcher = new MicroBatcher<number>(
      async (items) => {
        await new Promise((r) => setTimeout(r, 20));
        written.push(...items);
      },
      100,
      60_000,
    );
    const pending = batcher.addAll([1, 2, 3]);
    await batcher.drain();
    expect(written).toEqual([1, 2, 3]);
    await pending;
  });
});
