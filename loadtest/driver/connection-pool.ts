import { RawHttpConnection } from '../bench/raw-http';

/** A fixed set of keep-alive connections; a buyer waits for a free one (open model). */
export class ConnectionPool {
  private readonly free: RawHttpConnection[];
  private readonly waiting: ((c: RawHttpConnection) => void)[] = [];
  private readonly all: RawHttpConnection[];

  constructor(host: string, port: number, size: number) {
    this.all = Array.from({ length: size }, () => new RawHttpConnection(host, port));
    this.free = [...this.all];
  }

  acquire(): Promise<RawHttpConnection> {
    const connection = this.free.pop();
    if (connection) return Promise.resolve(connection);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(connection: RawHttpConnection): void {
    const next = this.waiting.shift();
    if (next) next(connection);
    else this.free.push(connection);
  }

  /** Buyers queued for a connection: when this grows, the driver (or the system) is the limit. */
  get queued(): number {
    return this.waiting.length;
  }

  close(): void {
    for (const c of this.all) c.close();
  }
}
