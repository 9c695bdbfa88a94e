import { Attack, Severity, Verdict } from './attack-kit';
import { ATTACKS } from './attacks';
import { BOT_ATTACKS } from './bot-attacks';
import { COMPOSE_ATTACKS } from './compose-attacks';
import { INPUT_ATTACKS } from './input-attacks';
import { PAYMENT_ATTACKS } from './payment-attacks';

const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low'];

/** Every attack, the most severe first, then in the order of the points. */
export const ALL_ATTACKS: Attack[] = [
  ...ATTACKS,
  ...INPUT_ATTACKS,
  ...PAYMENT_ATTACKS,
  ...BOT_ATTACKS,
  ...COMPOSE_ATTACKS,
].sort((a, b) => rank(a) - rank(b));

function rank(attack: Attack): number {
  const point = typeof attack.point === 'number' ? attack.point : 99;
  return SEVERITY_ORDER.indexOf(attack.severity) * 1000 + point;
}
import { AttackStack } from './attack-stack';

export interface AttackResult {
  attack: Attack;
  verdict: Verdict;
}

/**
 * Runs the attacks of the given severities, one after another, against one stack of real
 * processes on loopback. An attack that throws counts as accepted: the suite could not show
 * it was refused.
 */
export async function runAttacks(
  severities: readonly Severity[],
  base: { databaseUrl: string },
  report: (result: AttackResult) => void = () => undefined,
): Promise<AttackResult[]> {
  const stack = await AttackStack.start(base);
  const results: AttackResult[] = [];
  try {
    for (const attack of ALL_ATTACKS.filter((a) => severities.includes(a.severity))) {
      let verdict: Verdict;
      try {
        verdict = await attack.run(stack);
      } catch (err) {
        verdict = { refused: false, detail: `the attack failed to run: ${(err as Error).message}` };
      }
      const result = { attack, verdict };
      results.push(result);
      report(result);
    }
  } finally {
    await stack.stop();
  }
  return results;
}

/** One line an attack, as the suite prints it. */
export function attackLine({ attack, verdict }: AttackResult): string {
  const mark = verdict.refused ? 'refused ' : 'ACCEPTED';
  return `${mark}  ${attack.severity.padEnd(8)} #${String(attack.point).padEnd(2)} ${attack.id}: ${verdict.detail}`;
}
