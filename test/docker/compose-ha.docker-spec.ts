import type { RunProgress, RunResult } from '../../loadtest/driver/run-types';
import { driverFigures } from './compose-figures';
import { driveWithFault, failedInvariants, readmeDemo } from './compose-runs';
import { dockerLog } from './compose-stack';
import { composeSuite } from './compose-suite';

const SENTINELS = 'sentinel-1:26379,sentinel-2:26379,sentinel-3:26379';
const HA_SERVICES = ['api', 'worker', 'redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3'];

/**
 * The profile ha, as its header says to start it (REDIS_SENTINELS set): the default run,
 * then a 1 % youth-2012 sale during which the `redis` container is killed (SIGKILL) a third
 * of the way in. Sentinel promotes redis-replica, the apps follow it, and every order a
 * buyer was told about reaches Postgres, as the fault suite's scenario a shows on loopback.
 */
describe('docker compose on a real engine: the profile ha, the Redis primary killed mid-sale', () => {
  let result: RunResult | undefined;
  let kill: { atSecond: number; soldBefore: number } | undefined;

  const stack = composeSuite({
    images: ['node:26-trixie-slim', 'redis:7-alpine', 'postgres:16-alpine'],
    env: { REDIS_SENTINELS: SENTINELS },
    record: () => ({
      profile: 'ha',
      driver: result && driverFigures('driveWithFault (youth-2012, max, scale 0.01)', result),
      notes: [
        `\`REDIS_SENTINELS=${SENTINELS} docker compose --profile ha up --build -d\`, then the README's demo and curl lines.`,
        kill && result
          ? `\`docker kill\` of the \`redis\` container at ${kill.atSecond.toFixed(1)} s, ${kill.soldBefore} of ${result.units} units sold; ${resumedWords(result, kill.atSecond)}. ${result.invariants.length - failedInvariants(result).length} of ${result.invariants.length} invariants held, among them every accepted order one row in Postgres.`
          : 'The kill run did not finish.',
      ],
    }),
  });

  it('comes up healthy with its replica and three sentinels', async () => {
    stack().up('ha');
    const states = await stack().waitHealthy(HA_SERVICES);
    expect(Object.values(states)).toEqual(HA_SERVICES.map(() => 'healthy'));
  }, 1_500_000);

  it("runs the README's demo line and its curl lines through the sentinels' primary", async () => {
    await readmeDemo(stack());
  }, 1_200_000);

  it('loses nothing acknowledged when the primary is killed mid-sale', async () => {
    const [primary] = stack().containers('redis');
    result = await driveWithFault(stack(), stack().apiUrl, {
      share: 1 / 3,
      inject: (p: RunProgress) => {
        kill = { atSecond: p.t, soldBefore: p.sold };
        dockerLog(`killing redis at ${p.t.toFixed(1)} s, ${p.sold}/${p.units} sold`);
        stack().kill(primary);
      },
    });
    expect(kill).toBeDefined();
    expect(failedInvariants(result)).toEqual([]);
    expect(result.unitsSold).toBe(result.units);
    // Every sentinel names the replica as the primary now.
    for (const sentinel of ['sentinel-1', 'sentinel-2', 'sentinel-3']) {
      const answer = stack().compose([
        'exec',
        '-T',
        sentinel,
        'redis-cli',
        '-p',
        '26379',
        'sentinel',
        'get-master-addr-by-name',
        'flash',
      ]);
      expect(answer.stdout.split('\n')[0].trim()).toBe('redis-replica');
    }
  }, 1_200_000);
});

/**
 * The failover as the buyers saw it: the longest stretch after the kill in which no unit was
 * sold, from the run's units-over-time series.
 */
function resumedWords(result: RunResult, killedAt: number): string {
  const after = result.unitsOverTime.filter((p) => p.t >= killedAt);
  let longest = 0;
  let since = killedAt;
  let units = after[0]?.units ?? 0;
  for (const point of after) {
    if (point.units === units) continue;
    longest = Math.max(longest, point.t - since);
    since = point.t;
    units = point.units;
  }
  const soldOut =
    result.sellOutSeconds === null
      ? 'never sold out'
      : `sold out at ${result.sellOutSeconds.toFixed(1)} s`;
  return `the longest stretch after it without a unit sold was ${longest.toFixed(1)} s (Sentinel waits 2 s before it calls the primary down), and the sale ${soldOut}`;
}
