import { attackLine, runAttacks } from '../../loadtest/attacks/run-attacks';
import { databaseUrl } from '../support/test-env';

/**
 * The attack suite's critical and high attacks (npm run attacks runs them all), against its
 * own stack of real processes on loopback: each must be refused.
 */
describe('the attack suite, critical and high', () => {
  it('refuses every one', async () => {
    const results = await runAttacks(['critical', 'high'], { databaseUrl: databaseUrl() });
    expect(results.length).toBeGreaterThanOrEqual(7);
    expect(results.filter((r) => !r.verdict.refused).map(attackLine)).toEqual([]);
  }, 180_000);
});
