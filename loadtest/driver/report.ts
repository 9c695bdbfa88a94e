import type { RunResult } from './run-scenario';
import { decileChart } from './fairness-chart';
import { escapeXml } from './xml';

export { escapeXml };

/**
 * A run as a picture: units sold over time against the historic pace, and latency
 * percentiles over time, as one self-contained SVG; and a small HTML page around it.
 */

/**
 * The historic line this run is measured against, in run seconds. In historic mode it is
 * the target itself; in max mode it is the real sale's pace applied to this run's units
 * (a 5 % run is compared with 5 % of the historic time).
 */
export function referenceSeconds(r: RunResult): number {
  if (r.mode === 'historic' && r.targetSellOutSeconds !== null) return r.targetSellOutSeconds;
  return r.historicSellOutSeconds * r.scale;
}

/** How many times faster than the reference the run sold out, or null if it did not. */
export function speedUp(r: RunResult): number | null {
  if (r.sellOutSeconds === null || r.sellOutSeconds <= 0) return null;
  return referenceSeconds(r) / r.sellOutSeconds;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s} s`;
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `x`. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  for (const step of [1, 2, 5, 10]) if (step * power >= x) return step * power;
  return 10 * power;
}

const W = 900;
const PANEL_H = 230;
const LEFT = 80;
const RIGHT = 30;
const COLOURS = {
  run: '#1f6feb',
  reference: '#d1242f',
  p50: '#2da44e',
  p95: '#bf8700',
  p99: '#cf222e',
};

interface Panel {
  top: number;
  xMax: number;
  yMax: number;
  title: string;
  yLabel: string;
}

function axes(p: Panel): string {
  const x = (v: number) => LEFT + (v / p.xMax) * (W - LEFT - RIGHT);
  const y = (v: number) => p.top + PANEL_H - (v / p.yMax) * PANEL_H;
  const parts = [
    `<text x="${LEFT}" y="${p.top - 12}" font-size="15" font-weight="bold">${escapeXml(p.title)}</text>`,
    `<line x1="${LEFT}" y1="${p.top + PANEL_H}" x2="${W - RIGHT}" y2="${p.top + PANEL_H}" stroke="#57606a"/>`,
    `<line x1="${LEFT}" y1="${p.top}" x2="${LEFT}" y2="${p.top + PANEL_H}" stroke="#57606a"/>`,
    `<text x="${(LEFT + W - RIGHT) / 2}" y="${p.top + PANEL_H + 34}" font-size="12" text-anchor="middle">seconds since the opening</text>`,
    `<text x="18" y="${p.top + PANEL_H / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${p.top + PANEL_H / 2})">${escapeXml(p.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const xv = (p.xMax * i) / 5;
    const yv = (p.yMax * i) / 5;
    parts.push(
      `<text x="${x(xv)}" y="${p.top + PANEL_H + 16}" font-size="11" text-anchor="middle">${trim(xv)}</text>`,
      `<line x1="${LEFT}" y1="${y(yv)}" x2="${W - RIGHT}" y2="${y(yv)}" stroke="#d0d7de" stroke-width="0.5"/>`,
      `<text x="${LEFT - 6}" y="${y(yv) + 4}" font-size="11" text-anchor="end">${trim(yv)}</text>`,
    );
  }
  return parts.join('\n');
}

function polyline(points: [number, number][], p: Panel, colour: string, dashed = false): string {
  const xy = points
    .map(([t, v]) => {
      const x = LEFT + (Math.min(t, p.xMax) / p.xMax) * (W - LEFT - RIGHT);
      const y = p.top + PANEL_H - (Math.min(v, p.yMax) / p.yMax) * PANEL_H;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return `<polyline fill="none" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''} points="${xy}"/>`;
}

function legend(items: [string, string][], top: number): string {
  return items
    .map(
      ([label, colour], i) =>
        `<rect x="${LEFT + 12 + i * 190}" y="${top + 8}" width="14" height="4" fill="${colour}"/>` +
        `<text x="${LEFT + 32 + i * 190}" y="${top + 14}" font-size="12">${escapeXml(label)}</text>`,
    )
    .join('\n');
}

function trim(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 1 : 0);
}

/** Units sold over time against the historic line, and latency percentiles over time. */
export function renderChart(r: RunResult): string {
  const reference = referenceSeconds(r);
  const runEnd = Math.max(r.sellOutSeconds ?? 0, ...r.unitsOverTime.map((u) => u.t), 0.1);
  // Draw the historic line when it fits a readable chart; otherwise say where it lies.
  const showReference = reference <= runEnd * 4;
  const unitsPanel: Panel = {
    top: 92,
    xMax: niceCeil(showReference ? Math.max(runEnd, reference) : runEnd),
    yMax: niceCeil(r.units),
    title: 'Units sold',
    yLabel: 'units sold',
  };
  const sold: [number, number][] = [
    [0, 0],
    ...r.unitsOverTime.map((u): [number, number] => [u.t, u.units]),
  ];
  const ratio = speedUp(r);
  const referenceName = r.mode === 'historic' ? 'historic target' : 'historic pace';
  const parts = [
    `<text x="${LEFT}" y="26" font-size="17" font-weight="bold">${escapeXml(r.title)}</text>`,
    `<text x="${LEFT}" y="46" font-size="13">${escapeXml(
      `${r.mode} mode, ${r.units} units, ${r.buyers} buyers, ${r.connections} connections` +
        (r.sellOutSeconds === null
          ? ', not sold out'
          : `, sold out in ${formatDuration(r.sellOutSeconds)} (${referenceName} ${formatDuration(reference)}${ratio ? `, ${ratio.toFixed(1)}x` : ''})`),
    )}</text>`,
    axes(unitsPanel),
    polyline(sold, unitsPanel, COLOURS.run),
  ];
  if (showReference) {
    parts.push(
      polyline(
        [
          [0, 0],
          [reference, r.units],
        ],
        unitsPanel,
        COLOURS.reference,
        true,
      ),
      legend(
        [
          ['this run', COLOURS.run],
          [`${referenceName} (average)`, COLOURS.reference],
        ],
        unitsPanel.top,
      ),
    );
  } else {
    parts.push(
      legend([['this run', COLOURS.run]], unitsPanel.top),
      `<text x="${W - RIGHT}" y="${unitsPanel.top + 40}" font-size="12" text-anchor="end" fill="${COLOURS.reference}">${escapeXml(
        `${referenceName}: ${formatDuration(reference)}, off this chart`,
      )}</text>`,
    );
  }

  const latencyTop = unitsPanel.top + PANEL_H + 90;
  const worst = Math.max(1, ...r.latencyOverTime.map((w) => w.p99));
  const latencyPanel: Panel = {
    top: latencyTop,
    xMax: niceCeil(Math.max(0.1, ...r.latencyOverTime.map((w) => w.t))),
    yMax: niceCeil(worst),
    title: 'Purchase latency by window',
    yLabel: 'milliseconds',
  };
  parts.push(axes(latencyPanel));
  for (const key of ['p50', 'p95', 'p99'] as const) {
    parts.push(
      polyline(
        r.latencyOverTime.map((w) => [w.t, w[key]]),
        latencyPanel,
        COLOURS[key],
      ),
    );
  }
  parts.push(
    legend(
      [
        ['p50', COLOURS.p50],
        ['p95', COLOURS.p95],
        ['p99', COLOURS.p99],
      ],
      latencyPanel.top,
    ),
  );
  const height = latencyTop + PANEL_H + 50;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" font-family="system-ui, sans-serif">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function percentiles(l: { p50: number; p95?: number; p99: number }): string {
  return [
    `p50 ${l.p50.toFixed(2)} ms`,
    ...(l.p95 === undefined ? [] : [`p95 ${l.p95.toFixed(2)} ms`]),
    `p99 ${l.p99.toFixed(2)} ms`,
  ].join(', ');
}

/** A small self-contained page: the chart, the figures and the invariants. */
export function renderPage(r: RunResult): string {
  const ratio = speedUp(r);
  const row = (k: string, v: string) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`;
  const rows = [
    row('scenario', `${r.scenario} (${r.mode} mode, scale ${r.scale}, time scale ${r.timeScale})`),
    row('units / buyers', `${r.units} / ${r.buyers}`),
    row('requests', `${r.attempts} in ${r.runSeconds.toFixed(1)} s (${r.attemptsPerSecond}/s)`),
    row('purchase latency', percentiles(r.latencyMs)),
    // Runs recorded before this figure existed lack it.
    ...(r.sellingLatencyMs
      ? [row('purchase latency until the sell-out', percentiles(r.sellingLatencyMs))]
      : []),
    row('pay latency', percentiles(r.payLatencyMs)),
    row(
      'sold out',
      r.sellOutSeconds === null
        ? 'no'
        : `${formatDuration(r.sellOutSeconds)} against ${formatDuration(referenceSeconds(r))}${ratio ? ` (${ratio.toFixed(1)}x)` : ''}`,
    ),
    row(
      'all in Postgres',
      r.persistedAfterSellOutSeconds === null
        ? 'n/a'
        : `${r.persistedAfterSellOutSeconds.toFixed(2)} s after the sell-out`,
    ),
    row('units sold / paid', `${r.unitsSold} / ${r.unitsPaid}`),
    ...mechanicsRows(r).map(([k, v]) => row(k, v)),
    ...fairnessRows(r).map(([k, v]) => row(k, v)),
    ...cpuRows(r).map(([k, v]) => row(k, v)),
    row(
      'outcomes',
      Object.entries(r.outcomes)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', '),
    ),
  ].join('\n');
  const invariants = r.invariants
    .map(
      (i) =>
        `<tr><td class="${i.ok ? 'ok' : 'fail'}">${i.ok ? 'ok' : 'FAIL'}</td><td>${escapeXml(i.name)}</td><td>${escapeXml(i.detail)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(`${r.scenario} ${r.mode}: ${r.title}`)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #24292f; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { text-align: left; padding: 0.25rem 0.75rem; border-bottom: 1px solid #d0d7de; }
.ok { color: #1a7f37; } .fail { color: #cf222e; font-weight: bold; }
</style>
</head>
<body>
<h1>${escapeXml(r.title)}</h1>
<p>Run at ${escapeXml(r.at)} against sale ${escapeXml(r.saleId)}.</p>
${renderChart(r)}
<h2>Figures</h2>
<table>
${rows}
</table>
${r.fairness ? `<h2>Fairness</h2>\n${decileChart(r)}` : ''}
<h2>Invariants</h2>
<table>
${invariants}
</table>
</body>
</html>
`;
}

/**
 * Which process spent the machine from the opening to the sell-out: cores kept busy and CPU
 * microseconds per unit sold, by tier (the processes on the driver's machine).
 */
export function cpuRows(r: RunResult): [string, string][] {
  if (!r.cpu) return [];
  const { seconds, units, tiers, machineCores } = r.cpu;
  return [
    [
      'CPU while selling',
      `${seconds.toFixed(1)} s, ${units} units; the machine ${machineCores.toFixed(2)} cores busy`,
    ],
    ...Object.entries(tiers).map(([tier, t]): [string, string] => [
      `  ${tier}`,
      `${t.cores.toFixed(2)} cores, ${t.microsecondsPerUnit.toFixed(0)} µs per unit`,
    ]),
  ];
}

/** Who won against who came, for crowds with a bot cohort. */
export function fairnessRows(r: RunResult): [string, string][] {
  const f = r.fairness;
  if (!f) return [];
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const d = r.defences;
  return [
    [
      'defences',
      `line: ${d?.line ?? 'n/a'}; proof of work: ${
        d?.proofOfWork
          ? `${d.proofOfWork.difficulty} bits charged (${d.proofOfWork.serverDifficulty} checked), ${d.proofOfWork.lifetimeSeconds} s challenges`
          : 'none'
      }`,
    ],
    [
      'crowd',
      `${f.people} people, ${f.bots} bots of ${f.operators} operators; ${f.came} reached the sale`,
    ],
    [
      'bots among the winners',
      `${pct(f.botShareOfUnits)} against ${pct(f.botShareOfCrowd)} of the crowd (a fair draw: ${pct(f.fairBand[0])}-${pct(f.fairBand[1])})` +
        (f.botShareBeforeOpening === null
          ? ''
          : `; ${pct(f.botShareBeforeOpening)} of those in before the opening`),
    ],
    ['chance of winning', `people ${pct(f.winChance.people)}, bots ${pct(f.winChance.bots)}`],
    [
      "Kendall's tau",
      `arrival/win ${f.arrivalVsWin.toFixed(3)}` +
        (f.arrivalVsWinBeforeOpening === null
          ? ''
          : ` (among those in before the opening ${f.arrivalVsWinBeforeOpening.toFixed(3)})`) +
        (f.arrivalVsAdmission === null
          ? ''
          : `, arrival/admission ${f.arrivalVsAdmission.toFixed(3)}`),
    ],
    [
      'win chance by latency decile',
      f.byLatencyDecile
        .map((x) => `${x.fromMs.toFixed(0)}-${x.toMs.toFixed(0)} ms: ${pct(x.winChance)}`)
        .join(', '),
    ],
  ];
}

/** The sale mechanisms' figures, for runs of scenarios that switch them on. */
export function mechanicsRows(r: RunResult): [string, string][] {
  const m = r.mechanics;
  if (!m) return [];
  const rows: [string, string][] = [];
  if (m.registrations) {
    const g = m.registrations;
    rows.push([
      'registrations',
      `${g.registered} of ${g.attempted} in ${g.seconds.toFixed(1)} s (${g.perSecond}/s)`,
    ]);
  }
  if (m.fcodes) rows.push(['F-codes redeemed', `${m.fcodes.redeemed} of ${m.fcodes.issued}`]);
  if (m.queue) {
    const q = m.queue;
    rows.push(
      [
        'queue joins',
        `${q.joins} (${q.joinsPerSecond}/s over the run${q.preQueueJoins ? `; pre-queue ${q.preQueueJoins} at ${q.preQueueJoinsPerSecond}/s` : ''})`,
      ],
      ['admissions', `${q.admitted} (${q.admissionsPerSecond}/s), ${q.soldOutSeen} told sold out`],
      [
        'join to admission',
        `p50 ${q.joinToAdmitSeconds.p50.toFixed(2)} s, p99 ${q.joinToAdmitSeconds.p99.toFixed(2)} s`,
      ],
      [
        'join to payment',
        `p50 ${q.joinToPaySeconds.p50.toFixed(2)} s, p99 ${q.joinToPaySeconds.p99.toFixed(2)} s`,
      ],
    );
  }
  return rows;
}
