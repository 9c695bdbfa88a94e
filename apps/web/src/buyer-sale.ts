import { LitElement, html, nothing } from 'lit';
import { ApiFailure, api } from './api';
import { followStream } from './event-stream';
import { ProofOfWork, proveWork } from './proof-of-work';
import { ServerClock } from './server-clock';
import { Identity, signIn, signedIn } from './session';
import { Order, Sale, StockView, Ticket, money } from './types';

const STATUS_TEXT: Record<string, string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  cancelled: 'Cancelled',
  expired: 'Expired: not paid in time',
  rejected: 'Rejected: the unit did not exist after a failure; nothing was charged',
};

/** One purchase intent: its Idempotency-Key is sent again if the answer never came. */
interface Attempt {
  key: string;
}

/**
 * A buyer's page for one sale: a countdown on the server's clock, registration, the waiting
 * room's line followed live, the buy button, then the order followed live, paid or cancelled.
 */
export class BuyerSale extends LitElement {
  static properties = {
    saleId: { type: String, attribute: 'sale-id' },
    sale: { state: true },
    stock: { state: true },
    me: { state: true },
    registered: { state: true },
    ticket: { state: true },
    order: { state: true },
    problem: { state: true },
    busy: { state: true },
    work: { state: true },
    placed: { state: true },
  };

  declare saleId: string;
  declare sale: Sale | null;
  declare stock: StockView | null;
  declare me: Identity | null;
  declare registered: boolean;
  declare ticket: Ticket | null;
  declare order: Order | null;
  declare problem: string;
  declare busy: string;
  /** The proof of work in progress or last done (a sale with proofOfWork), for the buyer to see. */
  declare work: { tries: number; done: ProofOfWork | null } | null;
  /** The order a purchase answered with, until its stream shows it: no second buy meanwhile. */
  declare placed: string | null;

  private readonly clock = new ServerClock();
  private readonly stops: (() => void)[] = [];
  private ticking?: number;
  private attempt: Attempt | null = null;
  /** Set before the request leaves: a second click while one is in flight does nothing. */
  private buying = false;

  constructor() {
    super();
    this.sale = null;
    this.stock = null;
    this.me = signedIn('buyer');
    this.registered = false;
    this.ticket = null;
    this.order = null;
    this.problem = '';
    this.busy = '';
    this.work = null;
    this.placed = null;
  }

  createRenderRoot() {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.ticking = window.setInterval(() => this.requestUpdate(), 200);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.ticking);
    this.stops.forEach((stop) => stop());
  }

  private async load(): Promise<void> {
    try {
      for (let i = 0; i < 3; i++) {
        const sentAt = Date.now();
        const answer = await api<Sale>('GET', `/sales/${this.saleId}`);
        this.clock.sample(answer.body.serverTime!, sentAt, Date.now());
        this.sale = answer.body;
      }
      this.stops.push(
        followStream(
          `/sales/${this.saleId}/events`,
          undefined,
          (event) => {
            if (event.type === 'stock') this.stock = event.data as StockView;
          },
          (failure) => (this.problem = failure.explanation),
          { reconnect: true },
        ),
      );
      if (this.me) await this.resume();
    } catch (err) {
      this.fail(err);
    }
  }

  /** After sign-in or a reload: the registration and the line as the server has them. */
  private async resume(): Promise<void> {
    const token = this.me!.token;
    if (this.sale?.appointments) {
      this.registered = await api('GET', `/sales/${this.saleId}/registration`, { token }).then(
        () => true,
        () => false,
      );
    }
    if (this.sale?.waitingRoom) {
      const ticket = await api<Ticket>('GET', `/sales/${this.saleId}/queue`, { token }).catch(
        () => null,
      );
      if (ticket) this.followTicket();
    }
  }

  private fail(err: unknown): void {
    this.problem = err instanceof ApiFailure ? err.explanation : String(err);
  }

  private async act(label: string, action: () => Promise<void>): Promise<void> {
    this.problem = '';
    this.busy = label;
    try {
      await action();
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = '';
    }
  }

  private signIn = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
    if (!name) return;
    void this.act('signing in', async () => {
      this.me = await signIn('buyer', name);
      await this.resume();
    });
  };

  private register = () =>
    this.act('registering', async () => {
      await api('POST', `/sales/${this.saleId}/registration`, {
        token: this.me!.token,
        headers: await this.gateHeaders(),
      });
      this.registered = true;
    });

  private join = () =>
    this.act('joining', async () => {
      await api('POST', `/sales/${this.saleId}/queue`, {
        token: this.me!.token,
        body: {},
        headers: await this.gateHeaders(),
      });
      this.followTicket();
    });

  /** A solved challenge for the next registration or join, when the sale asks for one. */
  private async gateHeaders(): Promise<Record<string, string>> {
    if (!this.sale?.proofOfWork) return {};
    this.work = { tries: 0, done: null };
    const done = await proveWork(this.saleId, this.me!.token, (tries) => {
      this.work = { tries, done: null };
    });
    this.work = { tries: done.tries, done };
    return { 'proof-of-work': done.header };
  }

  private renderWork() {
    const w = this.work;
    if (!w) return nothing;
    return w.done
      ? html`<p
          class="work"
          data-test="work-done"
          data-tries=${w.done.tries}
          data-ms=${Math.round(w.done.ms)}
        >
          Browser check done: ${w.done.tries.toLocaleString('en')} tries in
          ${(w.done.ms / 1000).toFixed(1)} s
        </p>`
      : html`<p class="work" data-test="work">
          Checking your browser (a short puzzle against bots)… ${w.tries.toLocaleString('en')} tries
        </p>`;
  }

  private followTicket(): void {
    this.stops.push(
      followStream(
        `/sales/${this.saleId}/queue/events`,
        this.me!.token,
        (event) => {
          if (event.type === 'ticket') this.ticket = event.data as Ticket;
          if (event.type === 'position' && this.ticket)
            this.ticket = { ...this.ticket, ...(event.data as Partial<Ticket>) };
        },
        (failure) => (this.problem = failure.explanation),
      ),
    );
  }

  private buy = async () => {
    if (this.buying || this.placed) return;
    this.buying = true;
    this.attempt ??= { key: crypto.randomUUID() };
    const headers: Record<string, string> = { 'idempotency-key': this.attempt.key };
    if (this.ticket?.admissionToken) headers['admission-token'] = this.ticket.admissionToken;
    const fcode = this.querySelector<HTMLInputElement>('input[name=fcode]')?.value.trim();
    await this.act('buying', async () => {
      try {
        const answer = await api<{ orderId: string }>('POST', `/sales/${this.saleId}/purchase`, {
          token: this.me!.token,
          body: fcode ? { quantity: 1, fcode } : { quantity: 1 },
          headers,
        });
        this.attempt = null;
        this.placed = answer.body.orderId;
        this.followOrder(answer.body.orderId);
      } catch (err) {
        // A 503 or a lost answer may have bought: the retry sends the same key.
        if (!(err instanceof ApiFailure) || (err.status !== 503 && err.status !== 0))
          this.attempt = null;
        throw err;
      }
    });
    this.buying = false;
  };

  private followOrder(orderId: string): void {
    this.stops.push(
      followStream(
        `/orders/${orderId}/events`,
        this.me!.token,
        (event) => {
          const data = event.data as Partial<Order> & { orderId?: string };
          if (data.id) this.order = data as Order;
          else if (this.order && data.status) this.order = { ...this.order, status: data.status };
        },
        (failure) => (this.problem = failure.explanation),
      ),
    );
  }

  private pay = () =>
    this.act('paying', async () => {
      const answer = await api<Order>('POST', `/orders/${this.order!.id}/pay`, {
        token: this.me!.token,
      });
      this.order = answer.body;
    });

  private cancel = () =>
    this.act('cancelling', async () => {
      const answer = await api<Order>('POST', `/orders/${this.order!.id}/cancel`, {
        token: this.me!.token,
      });
      this.order = answer.body;
    });

  render() {
    const sale = this.sale;
    if (!sale) return html`<p class="muted">${this.problem || 'Loading the sale…'}</p>`;
    const remaining = this.stock?.remaining ?? sale.remaining ?? sale.stock;
    const status = this.stock?.status ?? sale.status;
    return html`
      <article class="card">
        <h2>${sale.name}</h2>
        <p class="price">
          ${money(sale.price)} <span class="muted">· limit ${sale.perUserLimit} per buyer</span>
        </p>
        <p>
          <span class="badge ${status}" data-test="sale-status">${status?.replace('_', ' ')}</span>
          <strong data-test="remaining">${remaining.toLocaleString('en')}</strong> of
          ${sale.stock.toLocaleString('en')} left
        </p>
        ${this.renderCountdown(sale)}
      </article>
      ${this.me ? this.renderBuyer(sale, status) : this.renderSignIn()}
      ${this.problem
        ? html`<p class="problem" role="alert" data-test="problem">${this.problem}</p>`
        : nothing}
    `;
  }

  private renderCountdown(sale: Sale) {
    const left = Date.parse(sale.startsAt) - this.clock.now();
    if (left <= 0) return nothing;
    const s = Math.ceil(left / 1000);
    const hh = String(Math.floor(s / 3600)).padStart(2, '0');
    const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    return html`<p class="countdown">
      Opens in <time data-test="countdown">${hh}:${mm}:${ss}</time>
      <span class="muted"
        >(server clock; this browser is ${Math.round(this.clock.offset)} ms off)</span
      >
    </p>`;
  }

  private renderSignIn() {
    return html`<form class="card" @submit=${this.signIn}>
      <label
        >Your buyer name <input name="name" required maxlength="64" pattern="[A-Za-z0-9_-]+"
      /></label>
      <button type="submit">Sign in</button>
    </form>`;
  }

  private renderBuyer(sale: Sale, status: string | undefined) {
    const opened = Date.parse(sale.startsAt) <= this.clock.now();
    const priority =
      sale.fcodes !== undefined && Date.parse(sale.fcodes.priorityStartsAt) <= this.clock.now();
    const needsTurn = sale.waitingRoom !== undefined;
    const admitted = this.ticket?.status === 'admitted';
    const canBuy =
      !this.busy &&
      !this.order &&
      !this.placed &&
      (opened || priority) &&
      (!needsTurn || admitted || priority);
    return html`
      <section class="card">
        <p class="muted">Signed in as <strong>${this.me!.name}</strong></p>
        ${sale.appointments ? this.renderRegistration() : nothing}
        ${needsTurn ? this.renderLine() : nothing} ${this.renderWork()}
        ${sale.fcodes
          ? html`<label
              >F-code (priority buyers)
              <input name="fcode" placeholder="XXXX-XXXX-XXXX-XXXX" maxlength="19"
            /></label>`
          : nothing}
        ${this.order
          ? this.renderOrder(this.order)
          : html`<button
              class="buy"
              data-test="buy"
              ?disabled=${!canBuy || status === 'ended'}
              @click=${this.buy}
            >
              ${this.busy === 'buying' ? 'Buying…' : this.placed ? 'Order placed…' : 'Buy now'}
            </button>`}
      </section>
    `;
  }

  private renderRegistration() {
    return this.registered
      ? html`<p data-test="registered">✓ Registered for this sale</p>`
      : html`<button data-test="register" @click=${this.register} ?disabled=${!!this.busy}>
          Register (this sale takes appointments)
        </button>`;
  }

  private renderLine() {
    const t = this.ticket;
    if (!t)
      return html`<button data-test="join" @click=${this.join} ?disabled=${!!this.busy}>
        Join the line
      </button>`;
    const text: Record<string, string> = {
      pre_queue: 'In line before the opening: places are drawn at random when it opens.',
      waiting: `Your place: ${t.position ?? '…'}${
        t.estimatedWaitSeconds !== null ? `, about ${t.estimatedWaitSeconds} s to wait` : ''
      }`,
      admitted: 'Your turn! Buy before your pass expires.',
      expired: 'Your turn passed. Join again.',
      used: 'Your pass was used.',
      ended: 'The sale has ended.',
      sold_out: 'Sold out for now: you keep your place if units come back.',
    };
    return html`<p class="line ${t.status}" data-test="ticket">${text[t.status] ?? t.status}</p>`;
  }

  private renderOrder(order: Order) {
    return html`<div class="order" data-test="order">
      <p>
        Order <code>${order.id.slice(-8)}</code>:
        <strong data-test="order-status">${STATUS_TEXT[order.status] ?? order.status}</strong>
      </p>
      ${order.status === 'pending_payment'
        ? html`<button data-test="pay" @click=${this.pay} ?disabled=${!!this.busy}>
              Pay ${money(order.unitPrice * order.quantity)}
            </button>
            <button
              class="secondary"
              data-test="cancel"
              @click=${this.cancel}
              ?disabled=${!!this.busy}
            >
              Cancel
            </button>`
        : nothing}
    </div>`;
  }
}

customElements.define('buyer-sale', BuyerSale);
