export interface ServerSentEvent {
  type: string;
  /** The event's data, parsed as JSON. */
  data: unknown;
}

/**
 * Reads a text/event-stream as its chunks arrive and hands each event with a type and data
 * to `onEvent` (comments such as keep-alives are skipped) until `onEvent` returns true.
 * Returns whether it did; false means the stream ended first.
 */
export async function readEvents(
  body: AsyncIterable<Buffer | string>,
  onEvent: (event: ServerSentEvent) => boolean,
): Promise<boolean> {
  let buffer = '';
  for await (const chunk of body) {
    buffer += String(chunk);
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type && data && onEvent({ type, data: JSON.parse(data) as unknown })) return true;
    }
  }
  return false;
}
