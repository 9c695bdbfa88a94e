import { meetsTargets } from '../../loadtest/faults/fault-table';
import { CI_SIZE, SCENARIOS, runFault } from '../../loadtest/faults/scenarios';
import { PostgresServer } from '../../loadtest/faults/servers';

/**
 * The fault suite's short subset (npm run faults runs all of it, larger): real processes
 * killed, a Sentinel failover (and one to a lagging replica, with the replica wait), a Redis
 * restarted empty, a Postgres stopped for 30 s, latency and resets between the API and Redis. Each scenario must meet its
 * targets: nothing oversold in Postgres, nothing duplicated, no 500, no acknowledged order
 * lost (an empty Redis may lose what it had not relayed, and must then say so with 410), and
 * purchases back within 10 s of a failover and 30 s of an empty restart.
 */
describe('faults (the CI subset of npm run faults)', () => {
  let pg: PostgresServer;

  beforeAll(async () => {
    pg = await PostgresServer.start();
  });
  afterAll(() => pg?.destroy());

  it.each(SCENARIOS.filter((s) => s.ci).map((s) => [s.id, s] as const))(
    'scenario %s meets its targets',
    async (id, scenario) => {
      const verdict = await runFault(scenario, CI_SIZE, pg);
      expect({ id, ...meetsTargets(verdict, scenario.targets) }).toEqual({
        id,
        ok: true,
        misses: [],
      });
      expect(verdict.acknowledged).toBeGreaterThan(0);
    },
    180_000,
  );
});
