import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ClosedStatus, SaleEvent, SalePulse, SoldOutRegistry } from '@flash/inventory';
import { SaleStatus, saleStatus } from '@flash/sales';

/** A sale's stock as a buyer's page shows it. */
export interface StockView {
  saleId: string;
  stock: number;
  remaining: number;
  status: SaleStatus;
  /** Redis's clock when it was read (ms). */
  at: number;
}

/** A sale's counters as the operator's page shows them: the worker's pulse and the attempts. */
export interface CountersView extends SalePulse {
  saleId: string;
  /**
   * Purchase attempts every API instance reported since the pulse before, and per second
   * over that interval (null for the first pulse a stream hears).
   */
  attempts: {
    accepted: number;
    refused: number;
    perSecond: { accepted: number; refused: number } | null;
  };
}

export type LiveEvent =
  | { type: 'stock'; data: StockView }
  | { type: 'counters'; data: CountersView }
  | { type: 'order'; data: { orderId: string; status: ClosedStatus } }
  /** The sale's Redis state is being rebuilt; counters resume when it is back. */
  | { type: 'paused' | 'resumed'; data: { saleId: string } };

/** When a sale opens and ends: its stock's status depends on them. */
export interface SaleSchedule {
  saleId: string;
  stock: number;
  startsAt: Date;
  endsAt: Date | null;
}

type Send = (event: LiveEvent) => void;

/** What this instance knows of one followed sale. */
class SaleWatch {
  readonly stockPages = new Set<Send>();
  readonly operatorPages = new Set<Send>();
  accepted = 0;
  refused = 0;
  lastPulseAt: number | null = null;
  lastStock: StockView | null = null;

  constructor(public schedule: SaleSchedule) {}

  get idle(): boolean {
    return this.stockPages.size === 0 && this.operatorPages.size === 0;
  }
}

interface OrderPage {
  send: Send;
  close: () => void;
}

/**
 * The live pages' pushes on one API instance: a sale's stock, its counters for the operator,
 * and an order's status. All of it comes from the sale's events channel (the worker's pulse,
 * the instances' attempt reports, the closings InventoryService announces): an open page costs
 * no Redis call, whatever the number of pages.
 */
@Injectable()
export class LiveSales implements OnModuleInit, OnApplicationShutdown {
  private readonly sales = new Map<string, SaleWatch>();
  private readonly orders = new Map<string, Set<OrderPage>>();
  private unlisten?: () => void;

  constructor(private readonly events: SoldOutRegistry) {}

  onModuleInit(): void {
    this.unlisten = this.events.listen((event) => this.onEvent(event));
  }

  onApplicationShutdown(): void {
    this.unlisten?.();
  }

  /** Pages following something on this instance (for the metrics). */
  get size(): number {
    let n = 0;
    for (const watch of this.sales.values()) n += watch.stockPages.size + watch.operatorPages.size;
    for (const pages of this.orders.values()) n += pages.size;
    return n;
  }

  /** Follows a sale's stock, after {@link ready}; stock events are sent when it changes. */
  followStock(schedule: SaleSchedule, send: Send): () => void {
    return this.watch(schedule, send, 'stockPages');
  }

  /** Follows a sale's counters, after {@link ready}: one event per pulse. */
  followCounters(schedule: SaleSchedule, send: Send): () => void {
    return this.watch(schedule, send, 'operatorPages');
  }

  /** Follows an order until it is closed (`close` is called then), after {@link ready}. */
  followOrder(orderId: string, send: Send, close: () => void): () => void {
    const page: OrderPage = { send, close };
    let pages = this.orders.get(orderId);
    if (!pages) this.orders.set(orderId, (pages = new Set()));
    pages.add(page);
    return () => {
      pages.delete(page);
      if (pages.size === 0) this.orders.delete(orderId);
    };
  }

  onEvent(event: SaleEvent): void {
    if (event.kind === 'order') return this.onOrder(event.orderId, event.status);
    const watch = this.sales.get(event.saleId);
    if (!watch) return;
    switch (event.kind) {
      case 'attempts':
        watch.accepted += event.accepted;
        watch.refused += event.refused;
        return;
      case 'pulse':
        return this.onPulse(watch, event.pulse);
      case 'sold_out':
        if (watch.lastStock) this.sendStock(watch, watch.lastStock.stock, 0, watch.lastStock.at);
        return;
      case 'paused':
      case 'resumed':
        for (const send of [...watch.stockPages, ...watch.operatorPages])
          send({ type: event.kind, data: { saleId: event.saleId } });
        return;
      default:
        // Units back and queue heads show in the next pulse.
        return;
    }
  }

  private watch(
    schedule: SaleSchedule,
    send: Send,
    pages: 'stockPages' | 'operatorPages',
  ): () => void {
    let watch = this.sales.get(schedule.saleId);
    if (!watch) this.sales.set(schedule.saleId, (watch = new SaleWatch(schedule)));
    watch.schedule = schedule;
    watch[pages].add(send);
    const followed = watch;
    return () => {
      followed[pages].delete(send);
      if (followed.idle && this.sales.get(schedule.saleId) === followed)
        this.sales.delete(schedule.saleId);
    };
  }

  private onPulse(watch: SaleWatch, pulse: SalePulse): void {
    const { saleId } = watch.schedule;
    const seconds = watch.lastPulseAt === null ? 0 : (pulse.at - watch.lastPulseAt) / 1000;
    const counters: CountersView = {
      saleId,
      ...pulse,
      attempts: {
        accepted: watch.accepted,
        refused: watch.refused,
        perSecond:
          seconds > 0
            ? {
                accepted: Math.round(watch.accepted / seconds),
                refused: Math.round(watch.refused / seconds),
              }
            : null,
      },
    };
    watch.accepted = 0;
    watch.refused = 0;
    watch.lastPulseAt = pulse.at;
    for (const send of watch.operatorPages) send({ type: 'counters', data: counters });
    this.sendStock(watch, pulse.stock, pulse.remaining, pulse.at);
  }

  /** Sent only when it changed: an idle sale's pages hear nothing but heartbeats. */
  private sendStock(watch: SaleWatch, units: number, remaining: number, at: number): void {
    const { saleId, startsAt, endsAt } = watch.schedule;
    const status = saleStatus(at, startsAt, endsAt, remaining);
    const stock: StockView = { saleId, stock: units, remaining, status, at };
    const last = watch.lastStock;
    watch.lastStock = stock;
    if (last && last.remaining === stock.remaining && last.status === stock.status) return;
    for (const send of watch.stockPages) send({ type: 'stock', data: stock });
  }

  private onOrder(orderId: string, status: ClosedStatus): void {
    const pages = this.orders.get(orderId);
    if (!pages) return;
    this.orders.delete(orderId);
    for (const page of pages) {
      page.send({ type: 'order', data: { orderId, status } });
      page.close();
    }
  }

  /**
   * Resolves once this instance hears the sale's events: a page reads its first view after
   * that, so nothing that changes in between goes unheard.
   */
  async ready(saleId: string): Promise<void> {
    await this.events.follow(saleId);
  }
}
