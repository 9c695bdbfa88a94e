import { LitElement, html } from 'lit';
import './buyer-sale';
import './live-chart';
import './operator-page';
import './sale-list';

/** Hash routes, so the API's own paths never meet the pages': #/, #/sale/<id>, #/operator[/<id>]. */
function route(hash: string): { page: 'sales' | 'sale' | 'operator'; id: string } {
  const [, page, id = ''] = hash.replace(/^#/, '').split('/');
  if (page === 'sale' && id) return { page: 'sale', id };
  if (page === 'operator') return { page: 'operator', id };
  return { page: 'sales', id: '' };
}

export class FlashApp extends LitElement {
  static properties = { hash: { state: true } };
  declare hash: string;

  constructor() {
    super();
    this.hash = location.hash;
  }

  createRenderRoot() {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', () => (this.hash = location.hash));
  }

  render() {
    const { page, id } = route(this.hash);
    return html`
      <header>
        <a href="#/" class="brand">⚡ Flash sale</a>
        <nav><a href="#/">Buy</a><a href="#/operator">Operate</a><a href="/docs">API</a></nav>
      </header>
      <main>
        ${page === 'sale'
          ? html`<p><a href="#/">← all sales</a></p>
              <buyer-sale sale-id=${id}></buyer-sale>`
          : page === 'operator'
            ? html`<operator-page sale-id=${id}></operator-page>`
            : html`<sale-list class="card"></sale-list>`}
      </main>
    `;
  }
}

customElements.define('flash-app', FlashApp);
