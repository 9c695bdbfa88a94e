import { readFileSync, writeFileSync } from 'node:fs';
import { renderChart, renderPage } from './report';
import type { RunResult } from './run-scenario';

/**
 * Draws the chart and page of recorded runs again (after a change to the report):
 *   node dist/loadtest/driver/render-report.js loadtest/results/youth-2012-max-*.json
 */
const files = process.argv.slice(2).filter((f) => f.endsWith('.json'));
if (files.length === 0) {
  console.error('usage: node dist/loadtest/driver/render-report.js RESULT.json...');
  process.exit(1);
}
for (const file of files) {
  const result = JSON.parse(readFileSync(file, 'utf8')) as RunResult;
  const base = file.slice(0, -'.json'.length);
  writeFileSync(`${base}.svg`, renderChart(result));
  writeFileSync(`${base}.html`, renderPage(result));
  console.log(`${base}.svg and .html`);
}
