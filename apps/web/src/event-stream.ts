import { ApiFailure } from './api';
import { takeEvents } from '../../../libs/http/src/event-stream-parse';
import { explain } from './error-messages';

export interface StreamEvent {
  type: string;
  data: unknown;
}

/**
 * Follows a server-sent event stream with fetch, which can send a token (EventSource
 * cannot), and reconnects after a pause when the server ends it (streams last 10 minutes).
 * Returns the function that stops following.
 */
export function followStream(
  path: string,
  token: string | undefined,
  onEvent: (event: StreamEvent) => void,
  onError: (failure: ApiFailure) => void,
  options: { reconnect?: boolean } = {},
): () => void {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        await readOnce(path, token, abort.signal, onEvent);
        if (!options.reconnect) return;
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err instanceof ApiFailure) {
          onError(err);
          if (err.status !== 503 && err.status !== 429) return;
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void run();
  return () => abort.abort();
}

async function readOnce(
  path: string,
  token: string | undefined,
  signal: AbortSignal,
  onEvent: (event: StreamEvent) => void,
): Promise<void> {
  const res = await fetch(path, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal,
  });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => undefined)) as
      | { error?: { code: string; message: string } }
      | undefined;
    const code = body?.error?.code ?? `HTTP_${res.status}`;
    throw new ApiFailure(res.status, code, explain(code, body?.error?.message));
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const { events, rest } = takeEvents(buffer + value);
    buffer = rest;
    for (const { type, data } of events) onEvent({ type, data: JSON.parse(data) as unknown });
  }
}
