/**
 * Collects items handed in concurrently and flushes them together: as soon as `maxSize`
 * are waiting, or `lingerMs` after the first one. Each caller's promise settles with its
 * batch, so a job is only complete once its row is committed.
 * Under light load a batch is one item after `lingerMs`; when jobs pile up, batches grow.
 */
export class MicroBatcher<T> {
  private pending: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly flushFn: (items: T[]) => Promise<void>,
    private readonly maxSize: number,
    private readonly lingerMs: number,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxSize) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  /** Adds several items; settles when all of them are written. */
  async addAll(items: readonly T[]): Promise<void> {
    await Promise.all(items.map((item) => this.add(item)));
  }

  /** Flushes whatever is waiting now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const run = this.flushFn(batch.map((p) => p.item)).then(
      () => batch.forEach((p) => p.resolve()),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Flushes and waits for every batch in flight (graceful shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.inFlight]);
  }

  get waiting(): number {
    return this.pending.length;
  }
}
