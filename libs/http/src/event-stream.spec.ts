import { createServer, request, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyReply } from 'fastify';
import { EventStream, startEventStream } from './event-stream';

/** A real HTTP server and client on loopback: the server streams, the client reads or not. */
async function streamTo(maxBufferedBytes: number): Promise<{
  stream: EventStream;
  response: IncomingMessage;
  closed: Promise<void>;
  stop(): Promise<void>;
}> {
  let resolveStream!: (s: EventStream) => void;
  const made = new Promise<EventStream>((r) => (resolveStream = r));
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  const server = createServer((_req, res) => {
    const reply = { raw: res, hijack: () => undefined } as unknown as FastifyReply;
    const stream = startEventStream(reply, closedResolve, {
      maxMs: 60_000,
      heartbeatMs: 60_000,
      maxBufferedBytes,
    });
    // The headers go out with the first event, as every route sends one at once.
    stream.send('hello', {});
    resolveStream(stream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const response = await new Promise<IncomingMessage>((resolve) =>
    request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' }, resolve).end(),
  );
  const stream = await made;
  return {
    stream,
    response,
    closed,
    stop: async () => {
      response.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('an event stream', () => {
  it('keeps a client that reads, whatever it is sent', async () => {
    const s = await streamTo(64 * 1024);
    let received = 0;
    s.response.on('data', (chunk: Buffer) => (received += chunk.length));
    for (let i = 0; i < 200; i++) {
      s.stream.send('stock', { remaining: i, padding: 'x'.repeat(1000) });
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(s.stream.isOpen).toBe(true);
    expect(received).toBeGreaterThan(200 * 1000);
    await s.stop();
  });

  it('drops a client that stopped reading once it is too far behind, instead of buffering for it', async () => {
    const s = await streamTo(64 * 1024);
    s.response.pause();
    // Far more than the socket buffers on both sides take before the server has to hold it.
    for (let i = 0; i < 20_000 && s.stream.isOpen; i++) {
      s.stream.send('stock', { remaining: i, padding: 'x'.repeat(1000) });
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    // Closed by the stream itself (the loop stops as soon as it is), and told so once.
    expect(s.stream.isOpen).toBe(false);
    await s.closed;
    await s.stop();
  });
});
