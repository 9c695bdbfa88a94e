import { ServerSentEvent, readEvents } from './server-sent-events';

/** A stream body as the network would hand it over: one chunk per tick. */
async function* chunks(...parts: string[]): AsyncIterable<string> {
  for (const part of parts) {
    await new Promise((r) => setImmediate(r));
    yield part;
  }
}

describe('readEvents', () => {
  it('reassembles events split across chunks and skips comments', async () => {
    const seen: ServerSentEvent[] = [];
    const stopped = await readEvents(
      chunks(
        'event: ticket\nda',
        'ta: {"status":"waiting"}\n\n: keep-alive\n\nevent: position\n',
        'data: {"position":3}\n\n',
      ),
      (e) => {
        seen.push(e);
        return false;
      },
    );
    expect(stopped).toBe(false);
    expect(seen).toEqual([
      { type: 'ticket', data: { status: 'waiting' } },
      { type: 'position', data: { position: 3 } },
    ]);
  });

  it('stops at the event the caller was waiting for', async () => {
    const seen: string[] = [];
    const stopped = await readEvents(
      chunks('event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n'),
      (e) => {
        seen.push(e.type);
        return e.type === 'b';
      },
    );
    expect(stopped).toBe(true);
    expect(seen).toEqual(['a', 'b']);
  });
});
