import { ApiFailure } from './api';
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
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type && data) onEvent({ type, data: JSON.parse(data) as unknown });
    }
  }
}
