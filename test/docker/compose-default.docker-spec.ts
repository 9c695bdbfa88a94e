import { driverFigures } from './compose-figures';
import type { DriverFigures } from './compose-figures';
import { failedInvariants, readmeDemo, readmeDriver } from './compose-runs';
import { composeSuite } from './compose-suite';

/**
 * docker-compose.yml's default profile on a real Docker engine, from a fresh clone of the
 * repository: the README's `docker compose up --build` (with -d) until healthy, then the
 * README's own commands against it as written (the demo, its curl lines, the 1 % driver run),
 * then `down -v`. The images come from the registry, or from stand-ins built here when no
 * registry answers (it says which).
 */
describe('docker compose on a real engine: the default profile', () => {
  let driver: DriverFigures | undefined;

  const stack = composeSuite({
    images: ['node:26-trixie-slim', 'redis:7-alpine', 'postgres:16-alpine'],
    record: () => ({
      profile: 'default',
      driver,
      notes: [
        "The README's `docker compose up --build`, `npm ci && npm run build && npm run demo` and the demo's curl lines, as written, from the host.",
        driver
          ? `The README's 1 % driver line from the host: ${driver.unitsSold} of ${driver.units} units to ${driver.buyers} buyers, ${driver.invariants.held} of ${driver.invariants.of} invariants held.`
          : 'The driver run did not finish.',
      ],
    }),
  });

  it("comes up healthy with the README's `docker compose up --build`", async () => {
    stack().up(null);
    const states = await stack().waitHealthy(['api', 'worker']);
    expect(states).toEqual({ api: 'healthy', worker: 'healthy' });
  }, 1_500_000);

  it("runs the README's demo line from the host, and its curl lines buy, pay and refuse", async () => {
    await readmeDemo(stack());
  }, 1_200_000);

  it("runs the README's 1 % youth-2012 driver line from the host, and every invariant holds", () => {
    const { command, result } = readmeDriver(stack());
    driver = driverFigures(command, result);
    expect(failedInvariants(result)).toEqual([]);
    expect(result.unitsSold).toBe(result.units);
  }, 1_200_000);
});
