import { botSolveSchedule, cohortRole, personSolveSeconds } from '../model/bot-cohort.js';
import type { Bots, CohortRole } from '../model/types';

/** The proof-of-work gate of a run's sale (RunOptions.proofOfWork). */
export interface RunProofOfWork {
  /** Bits the sale really asks for: the driver solves every challenge at this difficulty. */
  serverDifficulty: number;
  /**
   * Bits each simulated device is charged the time of, at its measured hash rate: one
   * machine cannot do the hashing of a whole crowd's phones and a farm's cores, so the
   * driver solves at `serverDifficulty` and waits what the device would have taken.
   */
  difficulty: number;
  /** How long a challenge lives, historic seconds: a farm cannot solve further ahead. */
  lifetimeSeconds: number;
}

/**
 * Who is who in a crowd with bots, and when each can act under proof of work. People solve
 * on their own device, in parallel; an operator's bots share the operator's cores, which
 * start as early as a challenge's lifetime allows before the firing time.
 */
export class CrowdCohort {
  private readonly roles: CohortRole[];
  /** Bots under proof of work: run seconds from the opening at which each has a solution. */
  private readonly botReady: (number | null)[] = [];

  constructor(
    readonly bots: Bots,
    buyers: number,
    /** Run seconds per historic second of the sale's mechanisms. */
    private readonly timeFactor: number,
    readonly pow: RunProofOfWork | null,
  ) {
    this.roles = Array.from({ length: buyers }, (_, i) => cohortRole(i, bots, buyers));
    if (pow) this.botReady = botSolveSchedule(bots, buyers, pow, timeFactor);
  }

  role(i: number): CohortRole {
    return this.roles[i];
  }

  isBot(i: number): boolean {
    return this.roles[i].bot;
  }

  /**
   * Seconds before the opening at which bots fire. Not compressed with the sale: the lead is
   * a race against network latency and the server's queue, which run in real time.
   */
  get leadSeconds(): number {
    return this.bots.leadSeconds;
  }

  /** Run seconds a person's browser takes to solve one challenge (a seeded draw per solve). */
  personSolveSeconds(i: number, solve: number): number {
    if (!this.pow) return 0;
    return personSolveSeconds(i, solve, this.bots, this.pow.difficulty, this.timeFactor);
  }

  /** Run seconds from the opening at which a bot has its first solution (null: not gated). */
  botReadyAt(i: number): number | null {
    return this.botReady[i] ?? null;
  }

  counts(): { people: number; bots: number; operators: number } {
    const bots = this.roles.filter((r) => r.bot);
    return {
      people: this.roles.length - bots.length,
      bots: bots.length,
      operators: new Set(bots.map((r) => r.operator)).size,
    };
  }
}
