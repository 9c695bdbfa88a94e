import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { SaleStats } from '@flash/orders';

import type { Invariant } from '../model/types';

export type { Invariant };

interface OrderFigures {
  rows: number;
  acceptedFound: number;
  liveUnits: number;
  paidUnits: number;
  maxLivePerBuyer: number;
}

/**
 * The invariants read from Postgres itself, not from the API's stats: every accepted
 * order is exactly one row, no buyer holds more live units than the limit, and the units
 * and payments there match the live counters. Status changes reach Postgres through the
 * pipeline (behind any expiry storm of earlier sales) and unpaid orders keep expiring after
 * the run, so both sides are read again for up to two minutes before a difference counts
 * as a failure; the wait is reported.
 */
export async function postgresInvariants(
  database: { url: string; schema: string },
  saleId: string,
  /** Fresh live counters: expiries keep moving units after the run ends. */
  readStats: () => Promise<SaleStats>,
  acceptedOrderIds: ReadonlySet<string>,
  perUserLimit: number,
  settleMs = 120_000,
): Promise<Invariant[]> {
  const client = new Client({
    connectionString: database.url,
    options: `-c search_path=${database.schema}`,
  });
  try {
    await client.connect();
  } catch (err) {
    return [
      {
        name: 'Postgres readable',
        ok: false,
        detail: `could not connect: ${err instanceof Error ? err.message : String(err)}`,
      },
    ];
  }
  try {
    const ids = [...acceptedOrderIds];
    const started = Date.now();
    const deadline = started + settleMs;
    // Compare Postgres with counters read at about the same moment, until they agree or
    // the wait runs out: orders still expiring and statuses still in the pipeline settle.
    let stats = await readStats();
    let figures = await read(client, saleId, ids);
    while (
      (figures.paidUnits !== stats.paid || figures.liveUnits !== stats.held + stats.paid) &&
      Date.now() < deadline
    ) {
      await sleep(200);
      stats = await readStats();
      figures = await read(client, saleId, ids);
    }
    const waited = `waited ${((Date.now() - started) / 1000).toFixed(1)} s`;
    return [
      {
        name: 'every accepted order is one row in Postgres',
        ok: figures.rows === ids.length && figures.acceptedFound === ids.length,
        detail: `${ids.length} accepted orders, ${figures.rows} rows, ${figures.acceptedFound} of them found`,
      },
      {
        name: 'per-user limit in Postgres',
        ok: figures.maxLivePerBuyer <= perUserLimit,
        detail: `max live units per buyer ${figures.maxLivePerBuyer}, limit ${perUserLimit}`,
      },
      {
        name: 'Postgres units match the live counters',
        ok: figures.liveUnits === stats.held + stats.paid,
        detail: `Postgres ${figures.liveUnits} live units, counters ${stats.held + stats.paid} (${waited})`,
      },
      {
        name: 'payments reached Postgres',
        ok: figures.paidUnits === stats.paid,
        detail: `Postgres ${figures.paidUnits} paid units, counters ${stats.paid} (${waited})`,
      },
    ];
  } finally {
    await client.end();
  }
}

async function read(client: Client, saleId: string, ids: string[]): Promise<OrderFigures> {
  const { rows } = await client.query<OrderFigures>(
    `SELECT
       (SELECT count(*)::int FROM orders WHERE sale_id = $1) AS "rows",
       (SELECT count(*)::int FROM orders WHERE sale_id = $1 AND id = ANY($2::uuid[])) AS "acceptedFound",
       (SELECT coalesce(sum(quantity), 0)::int FROM orders
         WHERE sale_id = $1 AND status IN ('pending_payment', 'paid')) AS "liveUnits",
       (SELECT coalesce(sum(quantity), 0)::int FROM orders
         WHERE sale_id = $1 AND status = 'paid') AS "paidUnits",
       (SELECT coalesce(max(units), 0)::int FROM (
          SELECT sum(quantity) AS units FROM orders
          WHERE sale_id = $1 AND status IN ('pending_payment', 'paid') GROUP BY buyer_id) b
       ) AS "maxLivePerBuyer"`,
    [saleId, ids],
  );
  return rows[0];
}
