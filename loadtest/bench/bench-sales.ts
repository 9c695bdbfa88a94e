import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { mintToken, requestJson, waitForDrain } from './bench-support';
import { LoadGenerator, burst, wrkGenerator } from './floor-run';

/** What the floor benchmark and the purchase profile share: sales, buyers and the load. */
export interface BenchApi {
  /** The full API, where sales are created. */
  url: URL;
  http: Pool;
  admin: string;
  secret: string;
}

export function benchApi(url: URL, secret: string): BenchApi {
  return {
    url,
    http: new Pool(url.origin, { connections: 8 }),
    admin: mintToken('bench-admin', secret, true),
    secret,
  };
}

export interface Load {
  send: LoadGenerator;
  name: string;
  /** Where wrk reads the buyers' tokens from. */
  tokensFile: string;
}

/** wrk when it is installed (Debian: `apt-get install wrk`) or asked for, else the Node client. */
export function chooseLoad(wanted?: string): Load {
  const tokensFile = join(mkdtempSync(join(tmpdir(), 'flash-bench-')), 'tokens.txt');
  const choice = wanted ?? (hasWrk() ? 'wrk' : 'node');
  if (choice === 'node') {
    console.log('load: the Node client (it takes much of a core: install wrk for truer ratios)');
    return { send: burst, name: 'the Node client', tokensFile };
  }
  if (!hasWrk()) throw new Error('--load wrk: wrk is not installed');
  console.log('load: wrk, one thread');
  return { send: wrkGenerator(tokensFile), name: 'wrk (one thread)', tokensFile };
}

function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

/** Buyers' tokens, also written where wrk reads them. */
export function buyerTokens(api: BenchApi, load: Load, count: number, prefix: string): string[] {
  const tokens = Array.from({ length: count }, (_, i) => mintToken(`${prefix}${i}`, api.secret));
  writeFileSync(load.tokensFile, `${tokens.join('\n')}\n`);
  return tokens;
}

export async function createSale(
  api: BenchApi,
  stock: number,
  perUserLimit: number,
): Promise<string> {
  const created = await requestJson<{ id: string }>(api.http, 'POST', '/admin/sales', api.admin, {
    name: 'bench',
    sku: 'BENCH',
    price: 99_900,
    stock,
    startsAt: new Date(Date.now() - 1000).toISOString(),
    perUserLimit,
  });
  if (created.status !== 201)
    throw new Error(`could not create a sale: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

/**
 * The script path's sale: every buyer has bought their one unit, and stock is left, so each
 * further attempt runs the whole purchase script and is refused by the per-user limit (no
 * answer can come from the sold-out memory, and nothing is written but the attempt count).
 */
export async function scriptPathSale(
  api: BenchApi,
  tokens: string[],
  connections: number,
): Promise<string> {
  const saleId = await createSale(api, tokens.length * 2, 1);
  const bought = await burst({
    url: api.url,
    saleId,
    tokens,
    connections,
    durationMs: 120_000,
    maxAttempts: tokens.length,
  });
  if (bought.statuses['202'] !== tokens.length)
    throw new Error(`the buyers could not buy first: ${JSON.stringify(bought.statuses)}`);
  await waitForDrain(api.http, saleId, api.admin, 60_000);
  return saleId;
}

/** One attempt, which must be refused with `code`: the path measured is the one meant. */
export async function expectRefusal(
  url: URL,
  saleId: string,
  token: string,
  code: string,
): Promise<void> {
  const pool = new Pool(url.origin);
  try {
    const answer = await requestJson<{ error?: { code: string } }>(
      pool,
      'POST',
      `/sales/${saleId}/purchase`,
      token,
      {},
    );
    if (answer.status !== 409 || answer.body.error?.code !== code) {
      throw new Error(
        `${url.origin}: expected 409 ${code}, got ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    }
  } finally {
    await pool.close();
  }
}
