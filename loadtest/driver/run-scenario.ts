import { BuyerFlows } from './buyer-flows';
import {
  arrivalPhase,
  botPhase,
  fcodePhase,
  preQueuePhase,
  registrationPhase,
  splitBots,
  splitCrowd,
} from './crowd-phases';
import { QueueFlows } from './queue-flows';
import { SaleRun, prepareRun } from './run-setup';
import type { RunOptions, RunResult } from './run-types';
import { judgeRun, summariseRun } from './run-verdict';

export type { Invariant, Mode, RunOptions, RunProgress, RunResult } from './run-types';

/**
 * Runs one scenario against a running stack, phase by phase:
 *
 *   prepare      warm up, sign the buyers' tokens, create the sale, issue its F-codes
 *   register     appointments, on every connection, until the opening
 *   F-codes      holders buy from the priority start
 *   pre-queue    buyers join the waiting room in the last seconds before the opening
 *   arrivals     the crowd: on the historic schedule (open model) or as fast as the machine
 *                allows (max mode)
 *   settle       every buyer and every payment finishes
 *   judge        the pipeline drains; the stats, the driver's answers and Postgres are checked
 *
 * Each buyer follows the scenario's behaviour (seeded per buyer, as in k6): some send a
 * malformed request first, some replay their request with the same Idempotency-Key, some
 * retry after a refusal, and most winners pay.
 */
export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const run = await prepareRun(opts);
  const buyers = new BuyerFlows(run);
  const queue = new QueueFlows(run, buyers);
  const progress = setInterval(() => reportProgress(run), 500);
  const opening = setTimeout(() => run.cpu.start(), run.clock.untilOpeningMs());
  let runSeconds: number;
  try {
    await sellTheSale(run, buyers, queue);
    await run.work.settle();
    runSeconds = run.clock.since();
    run.cpu.stop(run.tally.purchases.unitsSold); // a sale that never sold out
  } finally {
    clearInterval(progress);
    clearTimeout(opening);
    run.net.buyers.close();
    await run.net.sse.close();
  }
  try {
    const verdict = await judgeRun(run);
    return summariseRun(run, verdict, runSeconds);
  } finally {
    await run.net.http.close();
  }
}

/** The phases from the appointments to the last arrival. */
async function sellTheSale(run: SaleRun, buyers: BuyerFlows, queue: QueueFlows): Promise<void> {
  const waitingRoom = Boolean(run.scenario.mechanics?.waitingRoom);
  const cohort = run.cohort;
  const { people, bots } = splitBots(
    splitCrowd(run.sale.buyers, run.roles, waitingRoom),
    (i) => cohort?.isBot(i) ?? false,
  );
  const arrive = waitingRoom ? (i: number) => queue.queuedBuyer(i) : (i: number) => buyers.buy(i);
  if (run.plan) await registrationPhase(run, buyers, run.registrants);
  await botPhase(
    run,
    (i, proof) => (waitingRoom ? queue.queuedBuyer(i, undefined, proof) : buyers.buy(i)),
    bots,
    (i) => buyers.proofOfWork(i),
  );
  if (run.plan) {
    fcodePhase(run, buyers, people.fcodeHolders);
    if (waitingRoom) await preQueuePhase(run, queue, people.preQueue);
  }
  await arrivalPhase(run, arrive, people.crowd);
}

function reportProgress(run: SaleRun): void {
  const p = run.tally.purchases;
  run.opts.onProgress?.({
    t: run.clock.since(),
    attempts: p.attempts,
    sold: p.unitsSold,
    units: run.sale.units,
    queued: run.net.buyers.queued,
  });
}
