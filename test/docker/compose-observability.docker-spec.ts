import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/client';
import { driverFigures } from './compose-figures';
import type { RunResult } from '../../loadtest/driver/run-types';
import { drive, failedInvariants } from './compose-runs';
import { dockerLog } from './compose-stack';
import { composeSuite } from './compose-suite';
import { OFFICIAL_IMAGES, ensureImage } from './stand-in-images';

interface Panel {
  title: string;
  targets: { expr: string }[];
}

const GRAFANA = OFFICIAL_IMAGES.find((i) => i.tag.startsWith('grafana/grafana:'))!;
/** Grafana has no stand-in: its half runs where its image can be pulled, and is skipped here. */
const grafana = ensureImage(GRAFANA, dockerLog);
if (grafana === 'unavailable')
  dockerLog(`${GRAFANA.tag} cannot be pulled and has no stand-in: Grafana's half is skipped`);
const withGrafana = grafana === 'unavailable' ? it.skip : it;

/**
 * The profile observability: Prometheus (official or stand-in) scrapes the API and the worker,
 * shows every target up, and each of the dashboard's queries returns data after a sale with a
 * waiting room; the queue board answers. Grafana's half (login, the provisioned dashboard,
 * its queries through Grafana's datasource) runs wherever Grafana's image can be had.
 */
describe('docker compose on a real engine: the profile observability', () => {
  const grafanaPassword = randomBytes(12).toString('hex');
  const dashboard = JSON.parse(
    readFileSync(
      join(__dirname, '..', '..', 'deploy', 'grafana', 'dashboards', 'flash-sale.json'),
      'utf8',
    ),
  ) as { uid: string; panels: Panel[] };
  const queries = dashboard.panels.flatMap((p) =>
    p.targets.map((t) => ({ panel: p.title, expr: t.expr })),
  );
  let result: RunResult | undefined;
  const notes: string[] = [];

  const stack = composeSuite({
    images: [
      'node:26-trixie-slim',
      'redis:7-alpine',
      'postgres:16-alpine',
      'prom/prometheus:v2.55.1',
    ],
    env: { GRAFANA_PASSWORD: grafanaPassword },
    record: (stack) => {
      if (grafana === 'unavailable')
        notes.push(
          `\`${GRAFANA.tag}\` cannot be pulled here and has no stand-in: Grafana's half of the test was skipped (it runs where the image can be had).`,
        );
      return {
        profile: 'observability',
        images: { ...stack.images, [GRAFANA.tag]: grafana },
        driver: result && driverFigures('drive (youth-2012-queue, max, scale 0.01)', result),
        notes,
      };
    },
  });

  it('comes up healthy: the apps, the queue board and Prometheus', async () => {
    const services = [
      'prometheus',
      'queue-board',
      ...(grafana === 'unavailable' ? [] : ['grafana']),
    ];
    stack().up('observability', services);
    const states = await stack().waitHealthy(['api', 'worker', 'queue-board']);
    const ready = await eventually(answers(`${prometheusUrl()}/-/ready`), (ok) => ok, 60_000);
    expect(states).toEqual({ api: 'healthy', worker: 'healthy', 'queue-board': 'healthy' });
    expect({ prometheusReady: ready }).toEqual({ prometheusReady: true });
  }, 1_500_000);

  it('shows every scrape target up', async () => {
    type Target = { labels: { job: string }; health: string };
    const targets = () =>
      ask('/api/v1/targets').then(
        (answer) => answer.data.activeTargets as Target[],
        (): Target[] => [],
      );
    const up = await eventually(
      targets,
      (t) => t.length >= 2 && t.every((target) => target.health === 'up'),
      60_000,
    );
    expect(up.map((t) => t.health)).toEqual(up.map(() => 'up'));
    expect(new Set(up.map((t) => t.labels.job))).toEqual(new Set(['api', 'worker']));
    notes.push(
      `Prometheus: ${up.length} targets, every one up (${up.map((t) => t.labels.job).join(', ')}).`,
    );
  }, 120_000);

  it("returns data for every one of the dashboard's queries after a sale", async () => {
    result = await drive(stack(), stack().apiUrl, 'youth-2012-queue');
    expect(failedInvariants(result)).toEqual([]);
    // Two scrapes after the sale, so every rate has its points.
    await new Promise((r) => setTimeout(r, 12_000));
    const empty: string[] = [];
    for (const { panel, expr } of queries) {
      const query = expr.replaceAll('$__rate_interval', '1m');
      const answer = await ask(`/api/v1/query?query=${encodeURIComponent(query)}`);
      expect({ panel, status: answer.status }).toEqual({ panel, status: 'success' });
      if ((answer.data.result as unknown[]).length === 0) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
    notes.push(
      `After a 1 % youth-2012-queue sale, each of the dashboard's ${queries.length} queries (${dashboard.panels.length} panels) returned data from Prometheus.`,
    );
  }, 900_000);

  it('serves the queue board to an admin token only', async () => {
    const url = `http://127.0.0.1:${stack().ports.QUEUE_BOARD_PORT}`;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/queues/api/queues`)).status).toBe(401);
  });

  withGrafana(
    'Grafana: the provisioned dashboard, behind its password, with data',
    async () => {
      const url = `http://127.0.0.1:${stack().ports.GRAFANA_PORT}`;
      const healthy = await eventually(answers(`${url}/api/health`), (ok) => ok, 120_000);
      expect({ grafanaHealthy: healthy }).toEqual({ grafanaHealthy: true });
      const admin = {
        authorization: `Basic ${Buffer.from(`admin:${grafanaPassword}`).toString('base64')}`,
      };
      expect((await fetch(`${url}/api/dashboards/uid/${dashboard.uid}`)).status).toBe(401);
      const found = await fetch(`${url}/api/dashboards/uid/${dashboard.uid}`, { headers: admin });
      expect(found.status).toBe(200);
      const empty: string[] = [];
      for (const { panel, expr } of queries) {
        const res = await fetch(`${url}/api/ds/query`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify({
            from: 'now-15m',
            to: 'now',
            queries: [{ refId: 'A', datasource: { uid: 'prometheus' }, expr, instant: true }],
          }),
        });
        const body = (await res.json()) as { results: { A: { frames: unknown[] } } };
        expect({ panel, status: res.status }).toEqual({ panel, status: 200 });
        if (body.results.A.frames.length === 0) empty.push(`${panel}: ${expr}`);
      }
      expect(empty).toEqual([]);
      notes.push(
        `Grafana: the dashboard is provisioned, refused without the password, and each query returned data.`,
      );
    },
    300_000,
  );

  function prometheusUrl(): string {
    return `http://127.0.0.1:${stack().ports.PROMETHEUS_PORT}`;
  }

  async function ask(path: string): Promise<{ status: string; data: any }> {
    return (await (await fetch(`${prometheusUrl()}${path}`)).json()) as {
      status: string;
      data: any;
    };
  }
});

/** Whether `url` answers 2xx now (false while nothing listens). */
function answers(url: string): () => Promise<boolean> {
  return () =>
    fetch(url).then(
      (res) => res.ok,
      () => false,
    );
}
