import { databaseNotAnsweringYet, waitForDatabase } from './wait-for-database';

function fakeClock() {
  const clock = { t: 0 };
  return {
    clock,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.t += ms;
      return Promise.resolve();
    },
  };
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
  code: 'ECONNREFUSED',
});
const startingUp = Object.assign(new Error('the database system is starting up'), {
  code: '57P03',
});
const badPassword = Object.assign(new Error('password authentication failed'), { code: '28P01' });

describe('waitForDatabase', () => {
  it('retries while the database is not there yet, then returns the connection', async () => {
    const { now, sleep } = fakeClock();
    const failures = [refused, startingUp];
    const retries: number[] = [];
    const connection = await waitForDatabase(
      () => {
        const next = failures.shift();
        return next ? Promise.reject(next) : Promise.resolve('connected');
      },
      {
        waitMs: 10_000,
        intervalMs: 500,
        now,
        sleep,
        onRetry: (_e, elapsed) => retries.push(elapsed),
      },
    );
    expect(connection).toBe('connected');
    expect(retries).toEqual([0, 500]);
  });

  it('gives up with the last error once the wait is over', async () => {
    const { now, sleep, clock } = fakeClock();
    let tries = 0;
    await expect(
      waitForDatabase(
        () => {
          tries++;
          return Promise.reject(refused);
        },
        { waitMs: 3_000, intervalMs: 1_000, now, sleep },
      ),
    ).rejects.toBe(refused);
    expect(tries).toBe(4);
    expect(clock.t).toBe(3_000);
  });

  it('fails at once on an error that waiting cannot fix', async () => {
    const { now, sleep } = fakeClock();
    let tries = 0;
    await expect(
      waitForDatabase(
        () => {
          tries++;
          return Promise.reject(badPassword);
        },
        { waitMs: 60_000, now, sleep },
      ),
    ).rejects.toBe(badPassword);
    expect(tries).toBe(1);
  });

  it('tells "not there yet" from other failures', () => {
    expect(databaseNotAnsweringYet(refused)).toBe(true);
    expect(databaseNotAnsweringYet(startingUp)).toBe(true);
    expect(databaseNotAnsweringYet(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe(
      true,
    );
    expect(databaseNotAnsweringYet(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(databaseNotAnsweringYet(badPassword)).toBe(false);
    expect(databaseNotAnsweringYet(Object.assign(new Error('no db'), { code: '3D000' }))).toBe(
      false,
    );
    expect(databaseNotAnsweringYet(null)).toBe(false);
  });
});
