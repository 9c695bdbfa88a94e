import type { FastifyReply } from 'fastify';

/** A server-sent event stream on one hijacked reply. */
export interface EventStream {
  send(type: string, data: unknown): void;
  close(): void;
  readonly isOpen: boolean;
}

export interface EventStreamOptions {
  /** Closed after this long; EventSource clients and the pages reconnect by themselves. */
  maxMs: number;
  /** A comment this often keeps proxies and balancers from closing an idle stream. */
  heartbeatMs: number;
  /**
   * Bytes a client may leave unread before the stream is closed. A reader that stopped
   * reading would otherwise make the server buffer every event for it, for as long as the
   * stream lives; closed, it reconnects and reads the state as it is then.
   */
  maxBufferedBytes: number;
}

export const EVENT_STREAM_DEFAULTS: EventStreamOptions = {
  maxMs: 10 * 60_000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 64 * 1024,
};

/**
 * Answers 200 text/event-stream and keeps the reply open. `onClose` runs once, whoever
 * closes: the client going away, the server (close()), or the time limit.
 */
export function startEventStream(
  reply: FastifyReply,
  onClose: () => void,
  options: EventStreamOptions = EVENT_STREAM_DEFAULTS,
): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // Proxies such as nginx must pass each event on at once.
    'X-Accel-Buffering': 'no',
  });
  let open = true;
  const write = (text: string) => {
    if (!open) return;
    raw.write(text);
    // Backpressure: a client this far behind is dropped, not buffered for.
    if (raw.writableLength > options.maxBufferedBytes) stream.close();
  };
  // A heartbeat only while the client keeps up: one still draining is not idle.
  const heartbeat = setInterval(
    () => !raw.writableNeedDrain && write(': keep-alive\n\n'),
    options.heartbeatMs,
  );
  const limit = setTimeout(() => stream.close(), options.maxMs);
  const stream: EventStream = {
    get isOpen() {
      return open;
    },
    send(type, data) {
      write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      clearTimeout(limit);
      onClose();
      // A client that stopped reading would never take what end() flushes: drop it instead.
      if (raw.writableLength > options.maxBufferedBytes) raw.destroy();
      else raw.end();
    },
  };
  raw.on('close', () => stream.close());
  return stream;
}
