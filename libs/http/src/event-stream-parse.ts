/** One server-sent event as it arrived: its type, and its data line still as text. */
export interface RawEvent {
  type: string;
  data: string;
}

/**
 * Takes the complete events out of what a text/event-stream has sent so far, and returns
 * them with the unfinished rest to keep for the next chunk. Comments (keep-alives) and events
 * without a type or data are skipped. No imports: the pages (apps/web) use it too.
 */
export function takeEvents(buffer: string): { events: RawEvent[]; rest: string } {
  const events: RawEvent[] = [];
  let rest = buffer;
  let end: number;
  while ((end = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const type = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (type && data) events.push({ type, data });
  }
  return { events, rest };
}
