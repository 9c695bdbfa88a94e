import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the stand-in took, as siteverify would read it. */
export interface SiteverifyCall {
  secret: string | null;
  response: string | null;
  remoteip: string | null;
  idempotencyKey: string | null;
}

export interface SiteverifyStandIn {
  url: string;
  calls: SiteverifyCall[];
  close(): Promise<void>;
}

/**
 * Cloudflare's siteverify as the tests need it, on loopback (no test may reach the network).
 * Tokens say what they are: `human-*` pass once (then `timeout-or-duplicate`), `bot-*` fail,
 * `slow-*` answer after `slowMs`, `down-*` get a 500, `broken-*` an answer that is not JSON.
 * A wrong secret gets `invalid-input-secret`, as the real one does. As a real token carries
 * the widget's action and the page's host, a token ends `@<action>` and may add `#<host>`
 * (default `shop.example`); the answer names both, and the server must check them.
 */
export async function startSiteverify(secret: string, slowMs: number): Promise<SiteverifyStandIn> {
  const calls: SiteverifyCall[] = [];
  const spent = new Set<string>();
  const answer = (form: URLSearchParams): [number, string, number] => {
    const token = form.get('response') ?? '';
    const bound = /@([a-z]*)(?:#(.+))?$/.exec(token);
    const json = (success: boolean, codes: string[] = []) =>
      JSON.stringify({
        success,
        'error-codes': codes,
        hostname: bound?.[2] ?? 'shop.example',
        action: bound?.[1] ?? '',
      });
    if (form.get('secret') !== secret) return [200, json(false, ['invalid-input-secret']), 0];
    if (token.startsWith('slow-')) return [200, json(true), slowMs];
    if (token.startsWith('down-')) return [500, 'upstream trouble', 0];
    if (token.startsWith('broken-')) return [200, '<html>', 0];
    if (!token.startsWith('human-')) return [200, json(false, ['invalid-input-response']), 0];
    if (spent.has(token)) return [200, json(false, ['timeout-or-duplicate']), 0];
    spent.add(token);
    return [200, json(true), 0];
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      calls.push({
        secret: form.get('secret'),
        response: form.get('response'),
        remoteip: form.get('remoteip'),
        idempotencyKey: form.get('idempotency_key'),
      });
      const [status, text, delayMs] = answer(form);
      setTimeout(
        () => res.writeHead(status, { 'content-type': 'application/json' }).end(text),
        delayMs,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/turnstile/v0/siteverify`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
