import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnProcess, stopProcess, waitHealthy } from '../../loadtest/bench/processes';
import { call, createSale, devToken, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { exportedNames, metricNames } from '../support/promql';
import { REBUILD_REASONS } from '@flash/recovery';

const DEPLOY = join(__dirname, '..', '..', 'deploy');

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: { expr: string }[];
}

/**
 * The compose profile's dashboard against what the apps really export: every query of every
 * panel reads metrics a running API or worker serves on /metrics.
 */
describe('the observability profile', () => {
  let e2e: E2E;
  const dashboard = JSON.parse(
    readFileSync(join(DEPLOY, 'grafana', 'dashboards', 'flash-sale.json'), 'utf8'),
  ) as { uid: string; panels: Panel[] };

  beforeAll(async () => {
    e2e = await startE2E({ LIVE_PULSE_MS: '200' });
  });
  afterAll(() => stopE2E(e2e));

  it('queries only metrics the API and the worker export', async () => {
    // A sale with a line, bought from, so every labelled series exists.
    const saleId = await createSale(e2e.stack.http, e2e.admin, {
      stock: 3,
      startsAt: new Date(Date.now() - 1000).toISOString(),
      waitingRoom: { admissionRate: 100 },
    });
    const token = await devToken(e2e.stack.http, 'watched');
    await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token, body: {} });
    const api = async () => (await call(e2e.stack.http, 'GET', '/metrics')).body as string;
    const worker = async () => (await fetch(e2e.stack.workerMetricsUrl)).text();
    await until(async () => (await worker()).includes(`flash_sale_pipeline_lag{sale="${saleId}"}`));
    const exported = new Set([...exportedNames(await api()), ...exportedNames(await worker())]);
    // Counters by reason start at 0, so a rate panel shows 0 rather than no data.
    for (const reason of REBUILD_REASONS)
      expect(await worker()).toContain(`flash_sale_rebuilds_total{reason="${reason}"} 0`);

    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    const unknown: string[] = [];
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = metricNames(expr);
        expect(names.length).toBeGreaterThan(0);
        unknown.push(...names.filter((n) => !exported.has(n)).map((n) => `${panel.title}: ${n}`));
      }
    }
    expect(unknown).toEqual([]);
  });

  it('covers what the issue asks for, on the provisioned datasource', () => {
    const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of [
      'flash_purchase_attempts_total', // attempts by outcome
      'flash_purchase_duration_seconds_bucket', // latency percentiles
      'flash_sale_units', // units by state
      'flash_sale_queue_waiting', // queue
      'flash_queue_admitted_total', // admission
      'flash_sale_pipeline_lag', // pipeline lag
      'flash_orders_queue_jobs', // BullMQ job states
      'process_cpu_seconds_total', // CPU
      'process_resident_memory_bytes', // memory
    ]) {
      expect(queries).toContain(metric);
    }
    const datasource = readFileSync(
      join(DEPLOY, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
      'utf8',
    );
    const uid = /uid: (\S+)/.exec(datasource)?.[1];
    expect(new Set(dashboard.panels.map((p) => p.datasource.uid))).toEqual(new Set([uid]));
    const prometheus = readFileSync(join(DEPLOY, 'prometheus', 'prometheus.yml'), 'utf8');
    const check = spawnSync('promtool', [
      'check',
      'config',
      join(DEPLOY, 'prometheus', 'prometheus.yml'),
    ]);
    expect({ status: check.status, output: String(check.stdout) + String(check.stderr) }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS'),
    });
    expect(prometheus).toMatch(/names: \[api, api-scale\]\s+type: A\s+port: 3000/);
    expect(prometheus).toMatch(/names: \[worker, worker-scale\]\s+type: A\s+port: 9464/);
  });

  // Debian's prometheus (.ci/run installs it): the same jobs as deploy/prometheus, with the
  // test's ports for compose's names.
  it("a real Prometheus scrapes both, and runs every one of the dashboard's queries", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flash-prometheus-'));
    const port = await freePort();
    const api = new URL(e2e.stack.baseUrl).host;
    const worker = new URL(e2e.stack.workerMetricsUrl).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        `  - { job_name: api, static_configs: [{ targets: ['${api}'] }] }`,
        `  - { job_name: worker, static_configs: [{ targets: ['${worker}'] }] }`,
      ].join('\n'),
    );
    const prometheus = spawnProcess(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      {},
    );
    const base = `http://127.0.0.1:${port}`;
    const ask = async (path: string) =>
      (await (await fetch(`${base}${path}`)).json()) as { status: string; data: any };
    try {
      await waitHealthy(prometheus, base, 30_000, '/-/ready');
      await until(async () => {
        const targets = await ask('/api/v1/targets');
        const up = (targets.data.activeTargets as { health: string }[]).filter(
          (t) => t.health === 'up',
        );
        return up.length === 2;
      });
      await until(
        async () =>
          (await ask('/api/v1/query?query=flash_purchase_attempts_total')).data.result.length > 0,
      );
      for (const panel of dashboard.panels) {
        for (const { expr } of panel.targets) {
          const query = expr.replaceAll('$__rate_interval', '30s');
          const answer = await ask(`/api/v1/query?query=${encodeURIComponent(query)}`);
          expect({ panel: panel.title, expr, status: answer.status }).toEqual({
            panel: panel.title,
            expr,
            status: 'success',
          });
        }
      }
    } finally {
      await stopProcess(prometheus);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
