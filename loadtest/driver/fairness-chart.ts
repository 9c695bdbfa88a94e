import { escapeXml } from './xml';
import type { RunResult } from './run-types';

/** One line of the comparison: a name, and a run with its fairness figures. */
export interface ChartedRun {
  defence: string;
  result: RunResult;
}

const W = 900;
const H = 320;
const COLOURS = ['#cf222e', '#bf8700', '#0969da', '#1a7f37', '#8250df', '#57606a'];

/**
 * Two panels for the fairness comparison: the bots' share of the winners in each line,
 * against their share of the crowd and a fair draw's band; and the chance of winning by
 * latency decile, one line per defence. The last run of each defence is drawn.
 */
export function fairnessChart(runs: readonly ChartedRun[]): string {
  const lines = lastOfEach(runs);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    ...sharePanel(lines, 50, 40, 340, 220),
    ...decilePanel(lines, 510, 40, 360, 220),
    '</svg>',
    '',
  ].join('\n');
}

/** The win chance by latency decile of one run, for its own page. */
export function decileChart(result: RunResult): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 460 ${H}" width="460" height="${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="460" height="${H}" fill="white"/>`,
    ...decilePanel([{ defence: result.defences?.line ?? 'this run', result }], 60, 40, 360, 220),
    '</svg>',
  ].join('\n');
}

function lastOfEach(runs: readonly ChartedRun[]): ChartedRun[] {
  const seen = new Map<string, ChartedRun>();
  for (const run of runs) seen.set(run.defence, run);
  return [...seen.values()];
}

function axisY(x: number, y: number, h: number, top: number): string[] {
  return [0, 0.25, 0.5, 0.75, 1].flatMap((f) => [
    `<line x1="${x}" y1="${y + h - f * h}" x2="${x - 4}" y2="${y + h - f * h}" stroke="#57606a"/>`,
    `<text x="${x - 6}" y="${y + h - f * h + 4}" text-anchor="end">${Math.round(f * top * 100)} %</text>`,
  ]);
}

function sharePanel(lines: ChartedRun[], x: number, y: number, w: number, h: number): string[] {
  const crowd = lines[0]?.result.fairness?.botShareOfCrowd ?? 0;
  const band = lines[0]?.result.fairness?.fairBand ?? [0, 0];
  const top = 1;
  const yOf = (v: number) => y + h - (v / top) * h;
  const slot = w / Math.max(1, lines.length);
  const parts = [
    `<text x="${x}" y="${y - 20}" font-size="14" font-weight="bold">Bots among the winners</text>`,
    `<rect x="${x}" y="${yOf(band[1])}" width="${w}" height="${Math.max(1, yOf(band[0]) - yOf(band[1]))}" fill="#d0d7de" opacity="0.6"/>`,
    `<line x1="${x}" y1="${yOf(crowd)}" x2="${x + w}" y2="${yOf(crowd)}" stroke="#24292f" stroke-dasharray="6 4"/>`,
    `<text x="${x}" y="${y - 2}" fill="#57606a">dashed: their share of the crowd (${(crowd * 100).toFixed(1)} %); grey: a fair draw</text>`,
    `<line x1="${x}" y1="${y}" x2="${x}" y2="${y + h}" stroke="#57606a"/>`,
    `<line x1="${x}" y1="${y + h}" x2="${x + w}" y2="${y + h}" stroke="#57606a"/>`,
    ...axisY(x, y, h, top),
  ];
  lines.forEach((line, k) => {
    const share = line.result.fairness?.botShareOfUnits ?? 0;
    const bx = x + k * slot + slot * 0.2;
    parts.push(
      `<rect x="${bx}" y="${yOf(share)}" width="${slot * 0.6}" height="${y + h - yOf(share)}" fill="${COLOURS[k % COLOURS.length]}"/>`,
      `<text x="${bx + slot * 0.3}" y="${yOf(share) - 4}" text-anchor="middle">${(share * 100).toFixed(1)} %</text>`,
      `<text x="${bx + slot * 0.3}" y="${y + h + 16}" text-anchor="middle">${escapeXml(line.defence)}</text>`,
    );
  });
  return parts;
}

function decilePanel(lines: ChartedRun[], x: number, y: number, w: number, h: number): string[] {
  const top = Math.max(
    0.05,
    ...lines.flatMap((l) => (l.result.fairness?.byLatencyDecile ?? []).map((d) => d.winChance)),
  );
  const yOf = (v: number) => y + h - (v / top) * h;
  const xOf = (k: number) => x + ((k + 0.5) * w) / 10;
  const parts = [
    `<text x="${x}" y="${y - 16}" font-size="14" font-weight="bold">Chance of winning by latency decile</text>`,
    `<line x1="${x}" y1="${y}" x2="${x}" y2="${y + h}" stroke="#57606a"/>`,
    `<line x1="${x}" y1="${y + h}" x2="${x + w}" y2="${y + h}" stroke="#57606a"/>`,
    ...axisY(x, y, h, top),
    `<text x="${x + w / 2}" y="${y + h + 30}" text-anchor="middle">latency decile (lowest first)</text>`,
  ];
  for (let k = 0; k < 10; k++)
    parts.push(`<text x="${xOf(k)}" y="${y + h + 14}" text-anchor="middle">${k + 1}</text>`);
  lines.forEach((line, n) => {
    const deciles = line.result.fairness?.byLatencyDecile ?? [];
    const colour = COLOURS[n % COLOURS.length];
    const points = deciles.map((d, k) => `${xOf(k).toFixed(1)},${yOf(d.winChance).toFixed(1)}`);
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${x + w - 4}" y="${y + 14 + n * 16}" text-anchor="end" fill="${colour}">${escapeXml(line.defence)}</text>`,
    );
  });
  return parts;
}
