import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'undici';
import type { SaleStats } from '@flash/orders';
import { requestJson } from '../bench/bench-support';
import { pipelineDrained } from '../model/sale-invariants.js';
import type { RunClock } from './run-clock';

/**
 * From the sell-out on, watches for the moment Postgres holds every live unit: how long the
 * pipeline trails the sale. Started once, by the first buyer to see the last unit go.
 */
export class PersistenceWatch {
  private watching: Promise<number | null> | null = null;

  constructor(
    private readonly http: Pool,
    private readonly statsPath: string,
    private readonly admin: string,
    private readonly clock: RunClock,
  ) {}

  soldOut(): void {
    this.watching ??= this.watch();
  }

  /** The run second at which Postgres caught up, or null (never sold out, or 2 min passed). */
  persistedAt(): Promise<number | null> {
    return this.watching ?? Promise.resolve(null);
  }

  private async watch(): Promise<number | null> {
    const started = Date.now();
    while (Date.now() - started < 120_000) {
      const { body } = await requestJson<SaleStats>(this.http, 'GET', this.statsPath, this.admin);
      if (pipelineDrained(body)) return this.clock.since();
      await sleep(100);
    }
    return null;
  }
}
