import { randomBytes } from 'node:crypto';
import type { RunProgress, RunResult } from '../../loadtest/driver/run-types';
import type { ServedBy } from '../../loadtest/faults/fault-stack';
import { parseServedBy } from '../../loadtest/faults/fault-stack';
import { STATS_USER } from '../../loadtest/scale/haproxy-config';
import { driverFigures } from './compose-figures';
import { driveWithFault, failedInvariants } from './compose-runs';
import { dockerLog } from './compose-stack';
import { composeSuite } from './compose-suite';

/**
 * The profile scale as its header starts it (`--profile scale up -d lb`): a 6-node Redis
 * Cluster, 3 API containers behind HAProxy and 2 workers. A 1 % youth-2012 sale runs through
 * the balancer, and one API container is killed (SIGKILL) a third of the way in: the buyers
 * resend what was cut off with the same Idempotency-Key, and every invariant holds.
 */
describe('docker compose on a real engine: the profile scale, one API killed mid-sale', () => {
  const statsPassword = randomBytes(12).toString('hex');
  let result: RunResult | undefined;
  let kill: { atSecond: number; soldBefore: number } | undefined;
  let served: ServedBy[] = [];

  const stack = composeSuite({
    images: ['node:26-trixie-slim', 'redis:7-alpine', 'postgres:16-alpine', 'haproxy:2.6-alpine'],
    env: { LB_STATS_PASSWORD: statsPassword },
    record: () => ({
      profile: 'scale',
      driver:
        result && driverFigures('driveWithFault (youth-2012, max, scale 0.01) through lb', result),
      notes: [
        '`docker compose --profile scale up --build -d lb`: 6 Redis Cluster nodes, 3 `api-scale`, 2 `worker-scale`, HAProxy.',
        kill && result
          ? `\`docker kill\` of one \`api-scale\` container at ${kill.atSecond.toFixed(1)} s, ${kill.soldBefore} of ${result.units} units sold; ${droppedWords(result)}. ${result.invariants.length - failedInvariants(result).length} of ${result.invariants.length} invariants held.`
          : 'The kill run did not finish.',
        ...(served.length
          ? [
              `HAProxy's statistics after the run: ${served.map((s) => `${s.server} ${s.status} ${s.requests} requests (5xx ${s.responses5xx}, cut off ${s.responseErrors})`).join('; ')}.`,
            ]
          : []),
      ],
    }),
  });

  it('comes up healthy: the cluster, three APIs behind the balancer, two workers', async () => {
    stack().up('scale', ['lb']);
    const states = await stack().waitHealthy(['api-scale', 'worker-scale']);
    expect(stack().containers('api-scale')).toHaveLength(3);
    expect(stack().containers('worker-scale')).toHaveLength(2);
    const health = await fetch(`${lbUrl()}/health`);
    expect(states).toEqual({ 'api-scale': 'healthy', 'worker-scale': 'healthy' });
    expect(health.status).toBe(200);
  }, 1_500_000);

  it('sells through the balancer with one API container killed, every invariant holding', async () => {
    const [victim] = stack().containers('api-scale');
    result = await driveWithFault(stack(), lbUrl(), {
      share: 1 / 3,
      inject: (p: RunProgress) => {
        kill = { atSecond: p.t, soldBefore: p.sold };
        dockerLog(
          `killing an api-scale container at ${p.t.toFixed(1)} s, ${p.sold}/${p.units} sold`,
        );
        stack().kill(victim);
      },
    });
    served = await statistics();
    expect(kill).toBeDefined();
    expect(failedInvariants(result)).toEqual([]);
    expect(result.unitsSold).toBe(result.units);
    // The balancer saw one instance go down, and the others served.
    expect(served.filter((s) => s.status !== 'UP')).toHaveLength(1);
  }, 1_200_000);

  function lbUrl(): string {
    return `http://127.0.0.1:${stack().ports.LB_PORT}`;
  }

  async function statistics(): Promise<ServedBy[]> {
    const auth = Buffer.from(`${STATS_USER}:${statsPassword}`).toString('base64');
    const res = await fetch(`http://127.0.0.1:${stack().ports.LB_STATS_PORT}/stats;csv`, {
      headers: { authorization: `Basic ${auth}` },
    });
    return parseServedBy(await res.text());
  }
});

function droppedWords(result: RunResult): string {
  const dropped = Object.entries(result.outcomes)
    .filter(([k]) => k === 'network_error' || k.startsWith('dropped_'))
    .reduce((n, [, v]) => n + v, 0);
  return `${dropped} requests were cut off or got the balancer's 502/504, and were sent again with the same key`;
}
