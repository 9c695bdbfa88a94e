import { LitElement, html, nothing } from 'lit';
import { ApiFailure, api } from './api';
import { followStream } from './event-stream';
import { Series } from './live-chart';
import { Counters, Order, Page, money } from './types';

/** Points kept per chart: two minutes at one pulse a second. */
const HISTORY = 120;

interface Stats {
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  pipelineLag: number;
}

/**
 * The operator's view of one sale: its counters live (units by state, attempts per second,
 * the line and its admission rate, pipeline lag, the auditor's findings) and its orders.
 */
export class OperatorSale extends LitElement {
  static properties = {
    saleId: { type: String, attribute: 'sale-id' },
    token: { type: String },
    latest: { state: true },
    history: { state: true },
    orders: { state: true },
    ordersNext: { state: true },
    statusFilter: { state: true },
    problem: { state: true },
    paused: { state: true },
  };

  declare saleId: string;
  declare token: string;
  declare latest: Counters | null;
  declare history: Counters[];
  declare orders: Order[];
  declare ordersNext: string | null;
  declare statusFilter: string;
  declare problem: string;
  declare paused: boolean;

  private stop?: () => void;
  private admissionRate: number | null = null;
  /** When the first page of orders was last read again because orders came in. */
  private ordersReadAt = 0;

  constructor() {
    super();
    this.latest = null;
    this.history = [];
    this.orders = [];
    this.ordersNext = null;
    this.statusFilter = '';
    this.problem = '';
    this.paused = false;
  }

  createRenderRoot() {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.stop = followStream(
      `/admin/sales/${this.saleId}/events`,
      this.token,
      (event) => {
        if (event.type === 'stats') this.fromStats(event.data as Stats);
        if (event.type === 'counters') this.add(event.data as Counters);
        if (event.type === 'paused') this.paused = true;
        if (event.type === 'resumed') this.paused = false;
      },
      (failure) => (this.problem = failure.explanation),
      { reconnect: true },
    );
    void this.loadOrders(true);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop?.();
  }

  /** The stream's first event: the counters before the first pulse. */
  private fromStats(stats: Stats): void {
    if (this.latest) return;
    this.latest = {
      saleId: this.saleId,
      at: Date.now(),
      ...stats,
      orders: 0,
      queue: null,
      registrations: null,
      audit: null,
      attempts: { accepted: 0, refused: 0, perSecond: null },
    };
  }

  private add(counters: Counters): void {
    const before = this.history.at(-1);
    if (before?.queue && counters.queue && counters.at > before.at) {
      this.admissionRate = Math.round(
        ((counters.queue.admitted - before.queue.admitted) * 1000) / (counters.at - before.at),
      );
    }
    this.latest = counters;
    this.history = [...this.history.slice(-(HISTORY - 1)), counters];
    // New orders show without a click, the list read at most every 3 s (Postgres, not Redis).
    const fresh =
      before === undefined || before.orders !== counters.orders || before.paid !== counters.paid;
    if (fresh && this.orders.length <= 20 && Date.now() - this.ordersReadAt > 3000) {
      this.ordersReadAt = Date.now();
      void this.loadOrders(true);
    }
  }

  private async loadOrders(first: boolean): Promise<void> {
    const status = this.statusFilter ? `&status=${this.statusFilter}` : '';
    const cursor =
      !first && this.ordersNext ? `&cursor=${encodeURIComponent(this.ordersNext)}` : '';
    try {
      const page = await api<Page<Order>>(
        'GET',
        `/admin/sales/${this.saleId}/orders?limit=20${status}${cursor}`,
        { token: this.token },
      );
      this.orders = first ? page.body.items : [...this.orders, ...page.body.items];
      this.ordersNext = page.body.nextCursor;
    } catch (err) {
      this.problem = err instanceof ApiFailure ? err.explanation : String(err);
    }
  }

  private series(pick: (c: Counters) => number, name: string, color: string): Series {
    return { name, color, values: this.history.map(pick) };
  }

  render() {
    const c = this.latest;
    if (!c) return html`<p class="muted">${this.problem || 'Connecting to the sale…'}</p>`;
    const soldOut = c.remaining === 0;
    const audit = c.audit ? Object.entries(c.audit).filter(([, n]) => n > 0) : null;
    return html`
      ${this.problem ? html`<p class="problem">${this.problem}</p>` : nothing}
      ${this.paused
        ? html`<p class="problem">The sale is being rebuilt after a Redis failure.</p>`
        : nothing}
      <div class="tiles">
        <div class="tile">
          <span>Remaining</span
          ><strong data-test="op-remaining">${c.remaining.toLocaleString('en')}</strong> ${soldOut
            ? html`<em class="badge sold_out" data-test="op-sold-out">sold out</em>`
            : nothing}
        </div>
        <div class="tile">
          <span>Held (unpaid)</span><strong>${c.held.toLocaleString('en')}</strong>
        </div>
        <div class="tile"><span>Paid</span><strong>${c.paid.toLocaleString('en')}</strong></div>
        <div class="tile">
          <span>Pipeline lag</span><strong data-test="op-lag">${c.pipelineLag}</strong>
        </div>
        <div class="tile">
          <span>Attempts/s</span
          ><strong
            >${c.attempts.perSecond
              ? `${c.attempts.perSecond.accepted} ✓ / ${c.attempts.perSecond.refused} ✗`
              : '–'}</strong
          >
        </div>
        ${c.queue
          ? html`<div class="tile">
              <span>In line</span><strong>${c.queue.waiting}</strong>
              <small
                >${this.admissionRate ?? '–'} admitted/s · ${c.queue.admitted} of
                ${c.queue.joined}</small
              >
            </div>`
          : nothing}
        ${c.queue
          ? html`<div class="tile">
              <span>Suspects held</span><strong data-test="op-suspects">${c.queue.held}</strong>
              <small>${c.queue.suspects} flagged, never admitted</small>
            </div>`
          : nothing}
        ${c.registrations !== null
          ? html`<div class="tile"><span>Registered</span><strong>${c.registrations}</strong></div>`
          : nothing}
        <div class="tile">
          <span>Audit</span
          ><strong data-test="op-audit"
            >${audit === null
              ? 'not yet'
              : audit.length === 0
                ? 'clean'
                : audit.map(([k, n]) => `${n} ${k}`).join(', ')}</strong
          >
        </div>
      </div>
      <live-chart
        label="Units"
        .series=${[
          this.series((x) => x.remaining, 'remaining', '#2563eb'),
          this.series((x) => x.held, 'held', '#f59e0b'),
          this.series((x) => x.paid, 'paid', '#16a34a'),
        ]}
      ></live-chart>
      <live-chart
        label="Attempts per second"
        .series=${[
          this.series((x) => x.attempts.perSecond?.accepted ?? 0, 'accepted', '#16a34a'),
          this.series((x) => x.attempts.perSecond?.refused ?? 0, 'refused', '#dc2626'),
        ]}
      ></live-chart>
      ${this.renderOrders()} ${this.renderDriverHint()}
    `;
  }

  private renderOrders() {
    return html`<section class="card">
      <div class="row">
        <h3>Orders</h3>
        <select
          @change=${(e: Event) => {
            this.statusFilter = (e.target as HTMLSelectElement).value;
            void this.loadOrders(true);
          }}
        >
          ${['', 'pending_payment', 'paid', 'cancelled', 'expired', 'rejected'].map(
            (s) => html`<option value=${s}>${s || 'every status'}</option>`,
          )}
        </select>
        <button class="secondary" @click=${() => this.loadOrders(true)}>Refresh</button>
      </div>
      <table>
        <thead>
          <tr>
            <th>order</th>
            <th>buyer</th>
            <th>qty</th>
            <th>amount</th>
            <th>status</th>
            <th>at</th>
          </tr>
        </thead>
        <tbody>
          ${this.orders.map(
            (o) =>
              html`<tr>
                <td><code>${o.id.slice(-8)}</code></td>
                <td>${o.buyerId}</td>
                <td>${o.quantity}</td>
                <td>${money(o.unitPrice * o.quantity)}</td>
                <td>${o.status}</td>
                <td>${new Date(o.createdAt).toLocaleTimeString()}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.ordersNext
        ? html`<button class="secondary" @click=${() => this.loadOrders(false)}>More</button>`
        : nothing}
    </section>`;
  }

  private renderDriverHint() {
    return html`<details class="card">
      <summary>Put load on it</summary>
      <p>
        The Node driver sells a historic sale against this stack and checks every invariant
        afterwards; its sale shows up in the list above:
      </p>
      <pre>
npm run loadtest -- --scenario india-2014 --mode historic --scale 0.01 --url ${location.origin}</pre
      >
      <p>or a flood of buyers on a sale of its own:</p>
      <pre>npm run bench:purchase -- --url ${location.origin} --stock 20000 --buyers 40000</pre>
    </details>`;
  }
}

customElements.define('operator-sale', OperatorSale);
