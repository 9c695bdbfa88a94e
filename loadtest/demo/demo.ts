import { randomBytes } from 'node:crypto';
import { signToken } from '@flash/auth';

/**
 * A sale to try by hand: created on a running stack, opening in a few seconds, with the curl
 * lines to watch it open, buy, pay, cancel and read the stats. Tokens are minted with the
 * stack's JWT_SECRET, so it works with dev tokens off too.
 */
export interface DemoOptions {
  url: string;
  jwtSecret: string;
  opensInSeconds: number;
  stock: number;
  perUserLimit: number;
}

export interface Demo {
  saleId: string;
  startsAt: string;
  adminToken: string;
  buyerToken: string;
  /** Shell lines, ready to paste. */
  lines: string[];
}

function token(sub: string, secret: string, role?: 'admin'): string {
  const now = Math.floor(Date.now() / 1000);
  return signToken({ sub, iat: now, exp: now + 24 * 3600, ...(role ? { role } : {}) }, secret);
}

export async function createDemo(opts: DemoOptions): Promise<Demo> {
  const adminToken = token('demo-ops', opts.jwtSecret, 'admin');
  const buyerToken = token(`demo-fan-${randomBytes(3).toString('hex')}`, opts.jwtSecret);
  const startsAt = new Date(Date.now() + opts.opensInSeconds * 1000).toISOString();
  const res = await fetch(`${opts.url}/admin/sales`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({
      name: 'Mi 2 (demo)',
      sku: 'MI2-DEMO',
      price: 199900,
      stock: opts.stock,
      perUserLimit: opts.perUserLimit,
      startsAt,
    }),
  });
  const body = (await res.json()) as { id?: string; error?: { code: string; message: string } };
  if (res.status !== 201 || !body.id)
    throw new Error(
      `POST ${opts.url}/admin/sales answered ${res.status} ${body.error?.code ?? ''}: ${body.error?.message ?? ''} (is JWT_SECRET the stack's?)`,
    );
  const saleId = body.id;
  const lines = [
    `API=${opts.url}`,
    `ADMIN='${adminToken}'`,
    `BUYER='${buyerToken}'`,
    `SALE=${saleId}`,
    '',
    `# ${opts.stock} units, ${opts.perUserLimit} per buyer, opening at ${startsAt}`,
    'curl -s $API/sales/$SALE                      # status: upcoming, then live',
    `curl -s -X POST $API/sales/$SALE/purchase -H "authorization: Bearer $BUYER" \\`,
    `  -H 'content-type: application/json' -H 'idempotency-key: click-1' -d '{"quantity":1}'`,
    '#   409 NOT_STARTED before the opening; then 202 {"orderId": ...}; the same key again, the same order',
    'ORDER=<orderId from the answer>',
    'curl -s $API/orders/$ORDER -H "authorization: Bearer $BUYER"',
    'curl -s -X POST $API/orders/$ORDER/pay -H "authorization: Bearer $BUYER"     # status paid',
    'curl -s -X POST $API/orders/$ORDER/cancel -H "authorization: Bearer $BUYER"  # 409 ORDER_CLOSED once paid',
    'curl -s $API/admin/sales/$SALE/stats -H "authorization: Bearer $ADMIN"',
  ];
  return { saleId, startsAt, adminToken, buyerToken, lines };
}
