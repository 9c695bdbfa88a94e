import { LitElement, html, nothing } from 'lit';
import { ApiFailure, api } from './api';
import { Page, Sale, money } from './types';

/** Sales a page at a time, latest start first; each links to `${linkPrefix}<id>`. */
export class SaleList extends LitElement {
  static properties = {
    path: { type: String },
    linkPrefix: { type: String, attribute: 'link-prefix' },
    token: { type: String },
    sales: { state: true },
    next: { state: true },
    problem: { state: true },
  };

  declare path: string;
  declare linkPrefix: string;
  declare token: string | undefined;
  declare sales: Sale[];
  declare next: string | null;
  declare problem: string;

  constructor() {
    super();
    this.path = '/sales';
    this.linkPrefix = '#/sale/';
    this.sales = [];
    this.next = null;
    this.problem = '';
  }

  createRenderRoot() {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
  }

  /** Reads the first page again (new sales show at the top). */
  async refresh(): Promise<void> {
    this.sales = [];
    this.next = null;
    await this.more();
  }

  private async more(): Promise<void> {
    const cursor = this.next ? `&cursor=${encodeURIComponent(this.next)}` : '';
    try {
      const page = await api<Page<Sale>>('GET', `${this.path}?limit=10${cursor}`, {
        token: this.token,
      });
      this.sales = [...this.sales, ...page.body.items];
      this.next = page.body.nextCursor;
      this.problem = '';
    } catch (err) {
      this.problem = err instanceof ApiFailure ? err.explanation : String(err);
    }
  }

  render() {
    return html`
      <div class="row">
        <h2>Sales</h2>
        <button class="secondary" data-test="refresh" @click=${() => this.refresh()}>
          Refresh
        </button>
      </div>
      ${this.problem ? html`<p class="problem">${this.problem}</p>` : nothing}
      <ul class="sales">
        ${this.sales.map(
          (s) =>
            html`<li>
              <a href="${this.linkPrefix}${s.id}" data-test="sale-link">${s.name}</a>
              <span class="muted"
                >${money(s.price)} · ${s.stock.toLocaleString('en')} units · opens
                ${new Date(s.startsAt).toLocaleString()}
                ${s.waitingRoom ? ' · waiting room' : ''}${s.appointments
                  ? ' · appointments'
                  : ''}${s.fcodes ? ' · F-codes' : ''}</span
              >
            </li>`,
        )}
      </ul>
      ${this.sales.length === 0 && !this.problem
        ? html`<p class="muted">No sales yet.</p>`
        : nothing}
      ${this.next
        ? html`<button class="secondary" @click=${() => this.more()}>More</button>`
        : nothing}
    `;
  }
}

customElements.define('sale-list', SaleList);
