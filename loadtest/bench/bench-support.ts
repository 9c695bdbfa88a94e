import { cpus, totalmem } from 'node:os';
import { Pool } from 'undici';
import { signToken } from '@flash/auth';
import type { SaleStats } from '@flash/orders';
import { statsInvariants } from '../model/sale-invariants.js';

/** Load is only ever sent to this machine. */
export function assertLoopback(url: string): URL {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new Error(`refusing to send load to ${host}: only loopback addresses are allowed`);
  }
  return parsed;
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** The largest value, or 0; safe for millions of values (no spread into arguments). */
export function maxOf(values: Iterable<number>): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** p50/p95/p99 of unsorted samples (NaN for none). */
export function latencyPercentiles(samples: ArrayLike<number>): {
  p50: number;
  p95: number;
  p99: number;
} {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

export function mintToken(sub: string, secret: string, admin = false, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return signToken(
    { sub, iat: now, exp: now + ttlSeconds, ...(admin ? { role: 'admin' } : {}) },
    secret,
  );
}

export interface JsonAnswer<T> {
  status: number;
  body: T;
}

export async function requestJson<T>(
  pool: Pool,
  method: 'GET' | 'POST',
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer<T>> {
  const res = await pool.request({
    method,
    path,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
}

export type { SaleStats } from '@flash/orders';

/** Polls stats until the pipeline has drained; returns the final stats and the time it took. */
export async function waitForDrain(
  pool: Pool,
  saleId: string,
  adminToken: string,
  timeoutMs: number,
): Promise<{ stats: SaleStats; drainMs: number; drained: boolean }> {
  const started = Date.now();
  for (;;) {
    const { body: stats } = await requestJson<SaleStats>(
      pool,
      'GET',
      `/admin/sales/${saleId}/stats`,
      adminToken,
    );
    const drained = stats.pipelineLag === 0 && stats.unitsPersisted === stats.held + stats.paid;
    if (drained || Date.now() - started > timeoutMs) {
      return { stats, drainMs: Date.now() - started, drained };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The invariants (docs/design.md) that can be read from the outside after a run: the load
 * model's, which the driver and k6 check too, and the bench's own tallies against them.
 */
export function checkInvariants(
  stats: SaleStats,
  acceptedUnits: number,
  maxUnitsPerBuyer: number,
  perUserLimit: number,
): { name: string; ok: boolean; detail: string }[] {
  const sold = stats.stock - stats.remaining;
  return [
    ...statsInvariants(stats),
    {
      name: 'every 202 counted',
      ok: acceptedUnits === sold,
      detail: `202 units ${acceptedUnits}, sold ${sold}`,
    },
    {
      name: 'per-user limit',
      ok: maxUnitsPerBuyer <= perUserLimit,
      detail: `max units per buyer ${maxUnitsPerBuyer}, limit ${perUserLimit}`,
    },
  ];
}

/**
 * A few thousand purchase requests on a throwaway sale, so the first figures of a run
 * measure the system and not the JIT compiling its hot path.
 */
export async function warmUp(
  pool: Pool,
  adminToken: string,
  secret: string,
  attempts: number,
  connections: number,
): Promise<void> {
  if (attempts <= 0) return;
  const sale = await requestJson<{ id: string }>(pool, 'POST', '/admin/sales', adminToken, {
    name: 'warm-up',
    sku: 'WARMUP',
    price: 1,
    stock: Math.max(1, Math.floor(attempts / 2)),
    startsAt: new Date(Date.now() - 1000).toISOString(),
  });
  if (sale.status !== 201) throw new Error(`could not create the warm-up sale: ${sale.status}`);
  const token = `Bearer ${mintToken('warmup', secret)}`;
  let n = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (n++ < attempts) {
        const res = await pool.request({
          method: 'POST',
          path: `/sales/${sale.body.id}/purchase`,
          headers: { authorization: token, 'content-type': 'application/json' },
          body: '{}',
        });
        await res.body.dump();
      }
    }),
  );
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** Min, median and max of a few rounds' figures (the lower middle one for an even count). */
export function spreadOf(values: number[]): Spread {
  if (values.length === 0) return { min: NaN, median: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0],
    median: sorted[Math.floor((sorted.length - 1) / 2)],
    max: sorted[sorted.length - 1],
  };
}

/** "median (min-max)", each to `digits` decimals. */
export function formatSpread(s: Spread, digits: number): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(s.median)} (${f(s.min)}-${f(s.max)})`;
}

/** The machine a recorded run ran on, for the record's first line. */
export function machineDescription(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
