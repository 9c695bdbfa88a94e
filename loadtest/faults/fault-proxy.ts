import { Server, Socket, createServer, connect } from 'node:net';
import { freePort } from '../bench/processes';

type ProxyMode = 'pass' | 'pause' | 'reset';

/** One client connection and its upstream, with what is held back while paused or delayed. */
class ProxiedPair {
  private readonly held: { to: Socket; chunk: Buffer }[] = [];

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    private readonly proxy: FaultProxy,
  ) {
    client.on('data', (chunk) => this.forward(upstream, chunk));
    upstream.on('data', (chunk) => this.forward(client, chunk));
    const close = () => this.destroy();
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  }

  private forward(to: Socket, chunk: Buffer): void {
    if (this.proxy.mode === 'pause') {
      this.held.push({ to, chunk });
    } else if (this.proxy.latencyMs > 0) {
      // Delayed in arrival order: every chunk waits the same, so the stream stays in order.
      setTimeout(() => to.writable && to.write(chunk), this.proxy.latencyMs);
    } else {
      to.write(chunk);
    }
  }

  /** Sends what was held back, in order. */
  flush(): void {
    for (const { to, chunk } of this.held.splice(0)) if (to.writable) to.write(chunk);
  }

  /** Drops both sides with a TCP reset, as a failing network or middlebox does. */
  reset(): void {
    this.client.resetAndDestroy();
    this.upstream.resetAndDestroy();
  }

  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
    this.proxy.forget(this);
  }
}

/**
 * A TCP proxy on loopback that the fault suite puts between two processes (the API and Redis,
 * or a replica and its primary) to inject network faults: latency on every chunk, a paused
 * link that holds data back (a replica falls behind while both ends stay up), and connection
 * resets (every open connection, and every new one while resetting).
 */
export class FaultProxy {
  mode: ProxyMode = 'pass';
  latencyMs = 0;
  private readonly pairs = new Set<ProxiedPair>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<FaultProxy> {
    const port = await freePort();
    const proxy: FaultProxy = new FaultProxy(
      createServer((client) => proxy.accept(client, upstreamHost, upstreamPort)),
      port,
    );
    await new Promise<void>((resolve) => proxy.server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  /** Connections open now. */
  get connections(): number {
    return this.pairs.size;
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    client.pause();
    const upstream = connect(port, host, () => client.resume());
    this.pairs.add(new ProxiedPair(client, upstream, this));
  }

  forget(pair: ProxiedPair): void {
    this.pairs.delete(pair);
  }

  /** Adds this much delay to every chunk, both ways (0: none). */
  delay(ms: number): void {
    this.latencyMs = ms;
  }

  /** Holds every byte back, both ways, until resume(): the link stalls, nobody disconnects. */
  pause(): void {
    this.mode = 'pause';
  }

  resume(): void {
    this.mode = 'pass';
    for (const pair of this.pairs) pair.flush();
  }

  /** Resets every open connection, and every new one until pass() is called. */
  resetAll(): void {
    this.mode = 'reset';
    for (const pair of [...this.pairs]) pair.reset();
  }

  pass(): void {
    this.resume();
    this.latencyMs = 0;
  }

  async stop(): Promise<void> {
    for (const pair of [...this.pairs]) pair.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
