import { LitElement, html, svg } from 'lit';

export interface Series {
  name: string;
  color: string;
  values: number[];
}

/**
 * Lines over the last points, drawn as SVG: a handful of series of a hundred-odd points
 * each, redrawn once a second. Scaled to the largest value shown.
 */
export class LiveChart extends LitElement {
  static properties = { series: { attribute: false }, label: { type: String } };

  declare series: Series[];
  declare label: string;

  constructor() {
    super();
    this.series = [];
    this.label = '';
  }

  createRenderRoot() {
    return this;
  }

  render() {
    const width = 600;
    const height = 160;
    const points = Math.max(2, ...this.series.map((s) => s.values.length));
    const top = Math.max(1, ...this.series.flatMap((s) => s.values));
    const x = (i: number) => (i / (points - 1)) * width;
    const y = (v: number) => height - (v / top) * (height - 10);
    return html`<figure class="chart">
      <figcaption>
        ${this.label} <span class="muted">(max ${top.toLocaleString('en')})</span>
      </figcaption>
      <svg
        viewBox="0 0 ${width} ${height}"
        preserveAspectRatio="none"
        role="img"
        aria-label=${this.label}
      >
        ${this.series.map(
          (s) =>
            svg`<polyline fill="none" stroke=${s.color} stroke-width="2"
              points=${s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />`,
        )}
      </svg>
      <p class="legend">
        ${this.series.map(
          (s) =>
            html`<span
              ><i style="background:${s.color}"></i>${s.name}:
              ${(s.values.at(-1) ?? 0).toLocaleString('en')}</span
            >`,
        )}
      </p>
    </figure>`;
  }
}

customElements.define('live-chart', LiveChart);
