import { takeEvents } from '@flash/http/event-stream-parse';

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
    const { events, rest } = takeEvents(buffer + String(chunk));
    buffer = rest;
    for (const { type, data } of events)
      if (onEvent({ type, data: JSON.parse(data) as unknown })) return true;
  }
  return false;
}
