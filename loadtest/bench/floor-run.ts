import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RawHttpConnection, rawRequest } from './raw-http';
import { Spread, formatSpread, latencyPercentiles, spreadOf } from './bench-support';

/** One closed-loop burst of purchase attempts against one server. */
export interface BurstOptions {
  url: URL;
  saleId: string;
  /** A JWT per buyer; attempt i goes to buyer i mod length. */
  tokens: string[];
  connections: number;
  durationMs: number;
  maxAttempts: number;
}

export interface Burst {
  attempts: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers by HTTP status (0: the connection failed), or by class under wrk. */
  statuses: Record<string, number>;
}

export type LoadGenerator = (o: BurstOptions) => Promise<Burst>;

/**
 * `connections` keep-alive connections send attempts back to back until the time or the
 * attempts run out. Request bytes are built once per buyer: the driver shares the two
 * cores with both servers, so it spends as little as it can.
 */
export async function burst(o: BurstOptions): Promise<Burst> {
  const path = `/sales/${o.saleId}/purchase`;
  const requests = o.tokens.map((token) =>
    Buffer.from(
      rawRequest(
        'POST',
        path,
        o.url.host,
        { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        '{"quantity":1}',
      ),
    ),
  );
  const latencies = new Float64Array(o.maxAttempts);
  const statuses = new Map<number, number>();
  let sent = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + o.durationMs;
  const loop = async () => {
    const connection = new RawHttpConnection(o.url.hostname, Number(o.url.port));
    while (sent < o.maxAttempts && performance.now() < deadline) {
      const request = requests[sent++ % requests.length];
      const t0 = performance.now();
      const status = await connection.send(request).then(
        (res) => res.status,
        () => 0,
      );
      latencies[done++] = performance.now() - t0;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    connection.close();
  };
  await Promise.all(Array.from({ length: o.connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  const { p50, p99 } = latencyPercentiles(latencies.subarray(0, done));
  return {
    attempts: done,
    perSecond: done / seconds,
    p50Ms: p50,
    p99Ms: p99,
    statuses: Object.fromEntries(statuses),
  };
}

const WRK_SCRIPT = join(__dirname, '..', '..', '..', 'loadtest', 'bench', 'wrk-purchase.lua');

/**
 * The same burst sent by wrk (one thread): a C load generator costs the shared cores far
 * less per request than any Node client, so the servers get the CPU. `tokensFile` holds
 * `o.tokens`, one per line.
 */
export function wrkGenerator(tokensFile: string): LoadGenerator {
  return async (o) => {
    const { stdout } = await promisify(execFile)('wrk', [
      '-t1',
      `-c${o.connections}`,
      `-d${Math.max(1, Math.round(o.durationMs / 1000))}s`,
      '--timeout',
      '10s',
      '-s',
      WRK_SCRIPT,
      `${o.url.origin}/sales/${o.saleId}/purchase`,
      '--',
      tokensFile,
    ]);
    return parseWrkResult(stdout);
  };
}

export function parseWrkResult(stdout: string): Burst {
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice('WRK_RESULT '.length)) as {
    requests: number;
    durationUs: number;
    non2xx: number;
    socketErrors: number;
    p50Us: number;
    p99Us: number;
  };
  const statuses: Record<string, number> = {};
  if (r.requests - r.non2xx > 0) statuses['2xx'] = r.requests - r.non2xx;
  if (r.non2xx > 0) statuses['4xx/5xx'] = r.non2xx;
  if (r.socketErrors > 0) statuses['0'] = r.socketErrors;
  return {
    attempts: r.requests,
    perSecond: r.requests / (r.durationUs / 1e6),
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    statuses,
  };
}

export type Side = 'api' | 'floor';

/** One round: the two servers measured back to back on the same path. */
export interface FloorRound {
  api: Burst;
  floor: Burst;
}

export interface PathComparison {
  path: string;
  rounds: FloorRound[];
  /** API attempts/s over the floor's, round by round. */
  throughputRatio: Spread;
  /** API p99 over the floor's, round by round. */
  p99Ratio: Spread;
  api: { perSecond: Spread; p99Ms: Spread };
  floor: { perSecond: Spread; p99Ms: Spread };
}

export function comparePath(path: string, rounds: FloorRound[]): PathComparison {
  const side = (s: Side) => ({
    perSecond: spreadOf(rounds.map((r) => r[s].perSecond)),
    p99Ms: spreadOf(rounds.map((r) => r[s].p99Ms)),
  });
  return {
    path,
    rounds,
    throughputRatio: spreadOf(rounds.map((r) => r.api.perSecond / r.floor.perSecond)),
    p99Ratio: spreadOf(rounds.map((r) => r.api.p99Ms / r.floor.p99Ms)),
    api: side('api'),
    floor: side('floor'),
  };
}

/** Which side goes first in a round: alternated, so neither always runs on a warmer machine. */
export function roundOrder(round: number): [Side, Side] {
  return round % 2 === 0 ? ['api', 'floor'] : ['floor', 'api'];
}

export function formatComparisons(paths: PathComparison[]): string {
  const head =
    '| path | API attempts/s | floor attempts/s | API / floor | API p99 ms | floor p99 ms | API p99 / floor p99 |\n' +
    '| --- | --: | --: | --: | --: | --: | --: |';
  const rows = paths.map(
    (p) =>
      `| ${p.path} | ${formatSpread(p.api.perSecond, 0)} | ${formatSpread(p.floor.perSecond, 0)} | ` +
      `${formatSpread(p.throughputRatio, 2)} | ${formatSpread(p.api.p99Ms, 1)} | ` +
      `${formatSpread(p.floor.p99Ms, 1)} | ${formatSpread(p.p99Ratio, 2)} |`,
  );
  return [head, ...rows].join('\n');
}
