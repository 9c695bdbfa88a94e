import { ATTACKS, Attack, Severity, Verdict } from './attacks';
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
  base: { redisUrl: string; databaseUrl: string },
  report: (result: AttackResult) => void = () => undefined,
): Promise<AttackResult[]> {
  const stack = await AttackStack.start(base);
  const results: AttackResult[] = [];
  try {
    for (const attack of ATTACKS.filter((a) => severities.includes(a.severity))) {
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
