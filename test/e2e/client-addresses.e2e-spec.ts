import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createSale } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { RunningProcess, freePort, stopProcess } from '../support/stack';
import { spawnProcess, waitHealthy } from '../../loadtest/bench/processes';
import { haproxyConfig } from '../../loadtest/scale/haproxy-config';

type Opened = { status: number; close(): Promise<void> };

/** Opens a sale's stock stream on a connection of its own, with the headers given. */
async function openStream(
  baseUrl: string,
  saleId: string,
  headers: Record<string, string>,
): Promise<Opened> {
  const pool = new Pool(baseUrl, { connections: 1 });
  const res = await pool.request({ method: 'GET', path: `/sales/${saleId}/events`, headers });
  return {
    status: res.statusCode,
    async close() {
      res.body.on('error', () => undefined);
      res.body.destroy();
      await pool.destroy();
    },
  };
}

/** Opens streams one after another; returns their statuses, then closes them all. */
async function statuses(
  baseUrl: string,
  saleId: string,
  headers: Record<string, string>[],
): Promise<number[]> {
  const opened: Opened[] = [];
  try {
    for (const h of headers) opened.push(await openStream(baseUrl, saleId, h));
    return opened.map((o) => o.status);
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
}

const spoofs = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` }));

/**
 * Per-address limits count the client's real address: X-Forwarded-For is believed only from a
 * configured proxy (TRUST_PROXY: addresses or hops, never "anyone"), the balancer replaces
 * whatever a client sent, and IPv6 clients are counted by their /64.
 */
describe('client addresses', () => {
  describe('a proxy the API does not trust', () => {
    let e2e: E2E;
    beforeAll(async () => {
      e2e = await startE2E(
        { TRUST_PROXY: '10.9.9.9', SSE_STREAMS_PER_ADDRESS: '3' },
        { worker: false },
      );
    });
    afterAll(() => stopE2E(e2e));

    it("ignores a client's own X-Forwarded-For: the fourth stream from one address is refused", async () => {
      const saleId = await createSale(e2e.stack.http, e2e.admin);
      expect(await statuses(e2e.stack.baseUrl, saleId, spoofs(4))).toEqual([200, 200, 200, 429]);
    });
  });

  describe('a trusted proxy (the test stands in for it)', () => {
    let e2e: E2E;
    beforeAll(async () => {
      e2e = await startE2E(
        { TRUST_PROXY: '127.0.0.1/32,::1', SSE_STREAMS_PER_ADDRESS: '3' },
        { worker: false },
      );
    });
    afterAll(() => stopE2E(e2e));

    it('counts the forwarded address, and IPv6 clients by their /64', async () => {
      const saleId = await createSale(e2e.stack.http, e2e.admin);
      // Four IPv4 clients behind the proxy: each its own address.
      expect(await statuses(e2e.stack.baseUrl, saleId, spoofs(4))).toEqual([200, 200, 200, 200]);
      // Four addresses of one /64 are one client; another /64 is another.
      const sameNet = [
        '2001:db8:7:7::1',
        '2001:db8:7:7::2',
        '2001:db8:7:7:a::3',
        '2001:db8:7:7::ffff',
      ];
      const headers = [...sameNet, '2001:db8:7:8::1'].map((a) => ({ 'x-forwarded-for': a }));
      expect(await statuses(e2e.stack.baseUrl, saleId, headers)).toEqual([200, 200, 200, 429, 200]);
    });
  });

  describe('behind HAProxy, which replaces what the client sent', () => {
    let e2e: E2E;
    let balancer: RunningProcess;
    let balancerUrl: string;
    beforeAll(async () => {
      e2e = await startE2E({ TRUST_PROXY: '1', SSE_STREAMS_PER_ADDRESS: '3' }, { worker: false });
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'client-addresses-haproxy-'));
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(
        file,
        haproxyConfig({
          bind: `127.0.0.1:${port}`,
          backends: { kind: 'servers', addresses: [new URL(e2e.stack.baseUrl).host] },
        }),
      );
      balancer = spawnProcess('haproxy', ['-db', '-f', file], {});
      balancerUrl = `http://127.0.0.1:${port}`;
      await waitHealthy(balancer, balancerUrl);
    });
    afterAll(async () => {
      await stopProcess(balancer);
      await stopE2E(e2e);
    });

    it('counts every stream of a client that spoofs X-Forwarded-For as its own', async () => {
      const saleId = await createSale(e2e.stack.http, e2e.admin);
      expect(await statuses(balancerUrl, saleId, spoofs(4))).toEqual([200, 200, 200, 429]);
    });
  });
});
