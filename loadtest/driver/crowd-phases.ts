import { setTimeout as sleep } from 'node:timers/promises';
import { arrivalSchedule, planArrivals } from '../model/arrivals.js';
import { clockOffsetMs } from '../model/server-clock.js';
import type { ClockSample } from '../model/server-clock.js';
import type { BuyerRole } from '../model/types';
import type { BuyerFlows } from './buyer-flows';
import type { QueueFlows } from './queue-flows';
import type { SaleRun } from './run-setup';

/**
 * The run's phases, in the order of a Xiaomi sale: appointments days before, F-code holders
 * in their priority window, the pre-queue in the last seconds, then the crowd at the opening.
 * Each phase starts buyers into the run's work; none waits for the buyers it starts.
 */

/** The buyers by how they come to the sale. */
export interface CrowdSplit {
  /** Buy from the priority start with an F-code, past appointment and queue. */
  fcodeHolders: number[];
  /** Join the waiting room in the seconds before the opening. */
  preQueue: number[];
  /** Arrive at the opening or later, on the arrival model. */
  crowd: number[];
}

export function splitCrowd(
  buyers: number,
  roles: readonly BuyerRole[] | null,
  waitingRoom: boolean,
): CrowdSplit {
  const all = Array.from({ length: buyers }, (_, i) => i);
  if (!roles) return { fcodeHolders: [], preQueue: [], crowd: all };
  const fcodeHolders = all.filter((i) => roles[i].fcode);
  const rest = all.filter((i) => !roles[i].fcode);
  if (!waitingRoom) return { fcodeHolders, preQueue: [], crowd: rest };
  return {
    fcodeHolders,
    preQueue: rest.filter((i) => roles[i].preQueue),
    crowd: rest.filter((i) => !roles[i].preQueue),
  };
}

/** The crowd without its bots, and the bots (the cohort's), F-code holders left as they are. */
export function splitBots(
  split: CrowdSplit,
  isBot: (i: number) => boolean,
): { people: CrowdSplit; bots: number[] } {
  const people = (list: number[]) => list.filter((i) => !isBot(i));
  return {
    people: {
      fcodeHolders: split.fcodeHolders,
      preQueue: people(split.preQueue),
      crowd: people(split.crowd),
    },
    bots: [...split.preQueue, ...split.crowd].filter(isBot).sort((a, b) => a - b),
  };
}

/**
 * The server's clock against this one, as a script syncs to it: the offset read at the
 * middle of the quickest of three round trips to `GET /sales/:id`.
 */
export async function serverClockOffsetMs(run: SaleRun): Promise<number> {
  const samples: ClockSample[] = [];
  for (let k = 0; k < 3; k++) {
    const sentMs = Date.now();
    const res = await run.net.http.request({ method: 'GET', path: `/sales/${run.saleId}` });
    const body = (await res.body.json()) as { serverTime?: string };
    samples.push({ sentMs, receivedMs: Date.now(), serverMs: Date.parse(body.serverTime ?? '') });
  }
  return clockOffsetMs(samples);
}

/**
 * The bots fire on the server's clock, `leadSeconds` before the opening, and fire again at
 * once while the sale has not opened. Where the line has a pre-queue, coming last earns
 * nothing, so a bot joins somewhere in the pre-queue's window like an early person. Under
 * proof of work a bot takes its challenge when its operator's cores get to it and comes with
 * the solution: it fires then, if that is later.
 */
export async function botPhase(
  run: SaleRun,
  arrive: (buyer: number, proof?: Record<string, string>) => Promise<void>,
  bots: readonly number[],
  prove: (buyer: number) => Promise<Record<string, string> | null>,
): Promise<void> {
  const cohort = run.cohort;
  if (!cohort || bots.length === 0) return;
  const offset = await serverClockOffsetMs(run);
  const serverMs = (runSeconds: number) => run.clock.opensAt + runSeconds * 1000 - offset;
  const until = (ms: number) => sleep(Math.max(0, ms - Date.now()));
  const window = preQueueLine(run) ? run.opening.preQueueSeconds : 0;
  for (const i of bots) {
    const ready = cohort.botReadyAt(i);
    const lead = cohort.leadSeconds;
    const early = window > lead ? (window - lead) * (1 - cohort.role(i).windowDraw) : 0;
    const fire = serverMs(-lead - early);
    if (ready === null) {
      run.work.start(until(fire).then(() => arrive(i)));
      continue;
    }
    run.work.start(
      until(serverMs(ready)).then(async () => {
        const proof = await prove(i);
        if (!proof) return;
        await until(fire);
        await arrive(i, proof);
      }),
    );
  }
}

/** Whether the sale's line takes joins before the opening. */
function preQueueLine(run: SaleRun): boolean {
  return Boolean(run.scenario.mechanics?.waitingRoom) && run.opts.preQueue !== false;
}

/** Days before: appointments, on every connection at once, until the opening. */
export async function registrationPhase(
  run: SaleRun,
  flows: BuyerFlows,
  registrants: readonly number[],
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: run.opts.connections }, async () => {
      while (next < registrants.length && run.clock.untilOpeningMs() > 0) {
        await flows.register(registrants[next++]);
      }
    }),
  );
}

/** F-code holders buy from the priority start, with neither appointment nor queue. */
export function fcodePhase(run: SaleRun, flows: BuyerFlows, holders: readonly number[]): void {
  const lead = (run.plan?.priorityLeadSeconds ?? 0) * 1000;
  holders.forEach((i, k) => {
    if (k >= run.fcodes.length) return;
    run.tally.mechanics.fcodeHolders.add(i);
    const fcode = run.fcodes[k];
    run.work.start(sleep(run.clock.untilOpeningMs(lead)).then(() => flows.buy(i, { fcode })));
  });
}

/**
 * The pre-queue fills in the last seconds before the opening, spread evenly; its order is
 * shuffled at the opening, so arriving early earns nothing.
 */
export async function preQueuePhase(
  run: SaleRun,
  queue: QueueFlows,
  early: readonly number[],
): Promise<void> {
  const { opensAt } = run.clock;
  const from = Math.max(Date.now(), opensAt - run.opening.preQueueSeconds * 1000);
  await sleep(Math.max(0, from - Date.now()));
  const spreadMs = Math.max(0, opensAt - 200 - from);
  await Promise.all(
    early.map(async (i, k) => {
      await sleep((spreadMs * k) / Math.max(1, early.length));
      const at = await queue.join(i);
      if (at !== null) run.tally.mechanics.preQueueJoinTimes.push(at);
      run.work.start(queue.queuedBuyer(i, { at }));
    }),
  );
}

/**
 * The crowd at the opening. `historic`: on the scenario's arrival schedule (open model),
 * until sold out with buyers backed up. `max`: as fast as the machine allows.
 */
export async function arrivalPhase(
  run: SaleRun,
  arrive: (buyer: number) => Promise<void>,
  crowd: readonly number[],
): Promise<void> {
  const { sale, scenario, opts, clock, tally, net } = run;
  if (sale.targetSeconds !== null) {
    const plan = planArrivals(
      sale.units,
      sale.targetSeconds,
      scenario.arrival.floorShare,
      sale.decaySeconds,
    );
    const times = arrivalSchedule(plan, crowd.length, opts.limitSeconds);
    // Sold out and backlogged: offering more buyers would only measure the driver's queue.
    const saturated = () =>
      tally.purchases.unitsSold >= sale.units && net.buyers.queued > opts.connections;
    await launchOnSchedule(
      times,
      clock.opensAt,
      (k) => run.work.start(arrive(crowd[k])),
      saturated,
    );
    return;
  }
  await sleep(clock.untilOpeningMs(200));
  // Many buyers per connection in flight, so buyers sleeping before a retry (they hold no
  // connection) never idle the connections.
  const cap = Math.max(opts.connections * 200, 5000);
  await launchBounded(
    crowd.length,
    cap,
    (k) => arrive(crowd[k]),
    () => clock.expired(),
    (p) => run.work.start(p),
  );
}

/**
 * Starts `launch(k)` at `opensAt + times[k]` seconds, in order, until `stop()`. Returns how
 * many were started.
 */
export async function launchOnSchedule(
  times: readonly number[],
  opensAt: number,
  launch: (k: number) => void,
  stop: () => boolean,
): Promise<number> {
  for (let k = 0; k < times.length; k++) {
    const wait = opensAt + times[k] * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    if (stop()) return k;
    launch(k);
  }
  return times.length;
}

/**
 * Starts `work(k)` for k = 0..count-1 with at most `cap` unfinished at once, until `stop()`.
 * Each started promise goes to `started`; returns how many were started.
 */
export async function launchBounded(
  count: number,
  cap: number,
  work: (k: number) => Promise<void>,
  stop: () => boolean,
  started: (p: Promise<void>) => void,
): Promise<number> {
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let k = 0;
  for (; k < count && !stop(); k++) {
    while (inFlight >= cap) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    started(
      work(k).finally(() => {
        inFlight--;
        wake?.();
      }),
    );
  }
  return k;
}
