import { LitElement, html, nothing } from 'lit';
import { ApiFailure, api } from './api';
import { Identity, signIn, signOut, signedIn } from './session';
import { Sale } from './types';
import './operator-sale';
import './sale-list';

const isoIn = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

/** The operator's side: an admin token, a sale to create, the sales, one sale live. */
export class OperatorPage extends LitElement {
  static properties = {
    saleId: { type: String, attribute: 'sale-id' },
    me: { state: true },
    problem: { state: true },
    created: { state: true },
  };

  declare saleId: string;
  declare me: Identity | null;
  declare problem: string;
  declare created: { sale: Sale; codes: string[] } | null;

  constructor() {
    super();
    this.saleId = '';
    this.me = signedIn('operator');
    this.problem = '';
    this.created = null;
  }

  createRenderRoot() {
    return this;
  }

  private signIn = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const field = (name: string) =>
      (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    signIn('operator', field('name') || 'operator', field('token') || undefined).then(
      (me) => (this.me = me),
      (err: unknown) => (this.problem = err instanceof ApiFailure ? err.explanation : String(err)),
    );
  };

  private create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const checked = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).checked;
    const opensIn = Number(value('opensIn'));
    const body: Record<string, unknown> = {
      name: value('name'),
      sku: value('sku'),
      price: Math.round(Number(value('price')) * 100),
      stock: Number(value('stock')),
      perUserLimit: Number(value('perUserLimit')),
      shards: Number(value('shards')),
      startsAt: isoIn(opensIn),
    };
    if (checked('appointments')) body.appointments = { opensAt: isoIn(-1) };
    if (checked('fcodes')) body.fcodes = { priorityStartsAt: isoIn(Math.max(0, opensIn - 30)) };
    if (checked('waitingRoom'))
      body.waitingRoom = {
        admissionRate: Number(value('admissionRate')),
        preQueue: !checked('firstCome'),
      };
    if (checked('proofOfWork')) body.proofOfWork = { difficulty: Number(value('powDifficulty')) };
    this.problem = '';
    try {
      const token = this.me!.token;
      const sale = (await api<Sale>('POST', '/admin/sales', { token, body })).body;
      let codes: string[] = [];
      const fcodeCount = Number(value('fcodeCount'));
      if (checked('fcodes') && fcodeCount > 0) {
        const issued = await api<{ codes: string[] }>('POST', `/admin/sales/${sale.id}/fcodes`, {
          token,
          body: { count: fcodeCount },
        });
        codes = issued.body.codes;
      }
      this.created = { sale, codes };
      void this.querySelector<HTMLElement & { refresh(): Promise<void> }>('sale-list')?.refresh();
    } catch (err) {
      this.problem = err instanceof ApiFailure ? err.explanation : String(err);
    }
  };

  render() {
    if (!this.me) return this.renderSignIn();
    return html`
      <p class="muted">
        Operator <strong>${this.me.name}</strong>
        <button class="link" @click=${() => ((this.me = null), signOut('operator'))}>
          sign out
        </button>
      </p>
      ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
      ${this.saleId
        ? html`<p>
              <a href="#/operator">← all sales</a> ·
              <a href="#/sale/${this.saleId}">buyer's page</a>
            </p>
            <operator-sale sale-id=${this.saleId} .token=${this.me.token}></operator-sale>`
        : html`${this.renderCreate()}
            <sale-list
              class="card"
              path="/admin/sales"
              link-prefix="#/operator/"
              .token=${this.me.token}
            ></sale-list>`}
    `;
  }

  private renderSignIn() {
    return html`<form class="card" @submit=${this.signIn}>
      <h2>Operator</h2>
      <label>Name <input name="name" value="operator" pattern="[A-Za-z0-9_-]+" /></label>
      <label
        >Admin token
        <input name="token" placeholder="leave empty for a dev token (DEV_TOKENS=true)"
      /></label>
      <button type="submit" data-test="operator-sign-in">Sign in</button>
      ${this.problem ? html`<p class="problem">${this.problem}</p>` : nothing}
    </form>`;
  }

  private renderCreate() {
    return html`<details class="card" ?open=${!this.created}>
      <summary>New sale</summary>
      <form class="grid" @submit=${this.create}>
        <label>Name <input name="name" value="Mi 2" required maxlength="200" /></label>
        <label>SKU <input name="sku" value="MI2" required maxlength="64" /></label>
        <label
          >Price (¥) <input name="price" type="number" min="0.01" step="0.01" value="1999"
        /></label>
        <label
          >Units <input name="stock" type="number" min="1" max="10000000" value="1000"
        /></label>
        <label>Opens in (s) <input name="opensIn" type="number" min="0" value="30" /></label>
        <label>Per buyer <input name="perUserLimit" type="number" min="1" value="1" /></label>
        <label>Shards <input name="shards" type="number" min="1" max="64" value="1" /></label>
        <label><input name="appointments" type="checkbox" /> Appointments</label>
        <label
          ><input name="fcodes" type="checkbox" /> F-codes, issue
          <input name="fcodeCount" type="number" min="0" max="100000" value="5"
        /></label>
        <label
          ><input name="waitingRoom" type="checkbox" /> Waiting room, admit/s
          <input name="admissionRate" type="number" min="1" value="50"
        /></label>
        <label
          ><input name="firstCome" type="checkbox" /> First come, first served (no pre-queue)</label
        >
        <label
          ><input name="proofOfWork" type="checkbox" /> Proof of work, bits
          <input name="powDifficulty" type="number" min="1" max="32" value="16"
        /></label>
        <button type="submit" data-test="create-sale">Create</button>
      </form>
      ${this.created
        ? html`<p>
            Created <a href="#/operator/${this.created.sale.id}">${this.created.sale.name}</a>.
            ${this.created.codes.length
              ? html`F-codes: <code>${this.created.codes.join(' ')}</code>`
              : nothing}
          </p>`
        : nothing}
    </details>`;
  }
}

customElements.define('operator-page', OperatorPage);
