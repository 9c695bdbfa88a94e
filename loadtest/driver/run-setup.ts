import { Pool } from 'undici';
import { assertLoopback, mintToken, requestJson, warmUp } from '../bench/bench-support';
import { planMechanics } from '../model/buyer-roles.js';
import { scaleSale } from '../model/scenario-model.js';
import type { BuyerRole, MechanicsPlan, ResolvedScenario, ScaledSale } from '../model/types';
import { ConnectionPool } from './connection-pool';
import { CrowdCohort } from './crowd-cohort';
import { PersistenceWatch } from './persistence-watch';
import { RunClock } from './run-clock';
import { RunTally } from './run-tally';
import { CpuWindow } from './tier-cpu';
import type { RunOptions } from './run-types';
import { RunWork } from './run-work';

/** At most this many buyers follow their ticket over SSE at once (the rest poll). */
export const MAX_FOLLOWERS = 200;

/** Registrations a second that the opening's lead allows for, unless the run says otherwise. */
const REGISTRATIONS_PER_SECOND = 2500;

export interface RunNetwork {
  /** Admin calls: create the sale, read its stats. */
  http: Pool;
  /** Server-sent event streams hold a connection each, apart from the buyers' pool. */
  sse: Pool;
  /** The buyers' keep-alive connections (the open model waits for a free one). */
  buyers: ConnectionPool;
  host: string;
}

/** When the sale opens, and the phases before it: appointments, then the pre-queue. */
export interface Opening {
  opensAt: number;
  registrationSeconds: number;
  preQueueSeconds: number;
}

/** Everything one run shares between its phases; the phases write only to `tally` and `work`. */
export interface SaleRun {
  readonly opts: RunOptions;
  readonly scenario: ResolvedScenario;
  readonly sale: ScaledSale;
  readonly saleId: string;
  readonly admin: string;
  /** One signed token per buyer, made before the opening so the driver spends its CPU sending. */
  readonly tokens: readonly string[];
  readonly plan: MechanicsPlan | null;
  /** Each buyer's role in the sale's mechanisms; null for a bare sale. */
  readonly roles: readonly BuyerRole[] | null;
  /** Buyers who register before the opening (appointments). */
  readonly registrants: readonly number[];
  readonly fcodes: readonly string[];
  readonly opening: Opening;
  readonly clock: RunClock;
  readonly net: RunNetwork;
  readonly tally: RunTally;
  readonly work: RunWork;
  readonly persistence: PersistenceWatch;
  /** CPU by tier from the opening to the sell-out. */
  readonly cpu: CpuWindow;
  /** Who is a bot, and their latencies and proof-of-work times; null for people only. */
  readonly cohort: CrowdCohort | null;
}

/**
 * Registration happens before the opening (days before, in the real sales): give it time,
 * then a few seconds in which the pre-queue fills.
 */
export function planOpening(
  createdAt: number,
  registrants: number,
  waitingRoom: boolean,
  registrationSeconds?: number,
  preQueueSeconds = 3,
): Opening {
  const registration =
    registrants === 0
      ? 0
      : (registrationSeconds ?? Math.max(2, registrants / REGISTRATIONS_PER_SECOND));
  const preQueue = waitingRoom ? preQueueSeconds : 0;
  return {
    opensAt: createdAt + 2000 + (registration + preQueue) * 1000,
    registrationSeconds: registration,
    preQueueSeconds: preQueue,
  };
}

/** The admin's `POST /admin/sales` body for the run's sale, mechanisms included. */
export function saleRequest(
  s: ResolvedScenario,
  sale: ScaledSale,
  plan: MechanicsPlan | null,
  createdAt: number,
  opensAt: number,
  defences: Pick<RunOptions, 'preQueue' | 'proofOfWork'> = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: s.title.slice(0, 200),
    sku: s.name.toUpperCase().slice(0, 64),
    price: s.unitPrice,
    stock: sale.units,
    perUserLimit: s.perUserLimit,
    startsAt: new Date(opensAt).toISOString(),
  };
  const m = s.mechanics;
  if (m?.appointments) body.appointments = { opensAt: new Date(createdAt - 1000).toISOString() };
  if (plan && m?.fcodes) {
    body.fcodes = {
      priorityStartsAt: new Date(opensAt - plan.priorityLeadSeconds * 1000).toISOString(),
    };
  }
  if (plan && m?.waitingRoom) {
    body.waitingRoom = {
      admissionRate: plan.admissionRate,
      admissionTtlSeconds: plan.admissionTtlSeconds,
      ...(defences.preQueue === false ? { preQueue: false } : {}),
    };
  }
  if (defences.proofOfWork && (body.waitingRoom || body.appointments))
    body.proofOfWork = { difficulty: defences.proofOfWork.serverDifficulty };
  return body;
}

/** Hot-SKU shards for the sale, when the run asks for them. */
function shardsField(shards: number | undefined): Record<string, number> {
  return shards !== undefined && shards > 1 ? { shards } : {};
}

/** Buyers who register before the opening: those with an appointment and no F-code. */
export function registrantsOf(s: ResolvedScenario, roles: readonly BuyerRole[] | null): number[] {
  if (!roles || !s.mechanics?.appointments) return [];
  return roles.flatMap((r, i) => (r.registered && !r.fcode ? [i] : []));
}

/**
 * The first phase: warm the API up, sign every buyer's token, plan the mechanisms, create
 * the sale and issue its F-codes. Nothing here counts towards the run's figures.
 */
export async function prepareRun(opts: RunOptions): Promise<SaleRun> {
  const url = assertLoopback(opts.url);
  const s = opts.scenario;
  const sale = scaleSale(s, opts);
  const admin = mintToken('loadtest-admin', opts.jwtSecret, true, 24 * 3600);
  const net: RunNetwork = {
    http: new Pool(url.origin, { connections: 4 }),
    sse: new Pool(url.origin, { connections: MAX_FOLLOWERS }),
    buyers: new ConnectionPool(url.hostname, Number(url.port || 80), opts.connections),
    host: url.host,
  };
  await warmUp(net.http, admin, opts.jwtSecret, opts.warmupRequests ?? 0, 4);
  const tokens = Array.from(
    { length: sale.buyers },
    (_, i) => `Bearer ${mintToken(`buyer-${i}`, opts.jwtSecret, false, 24 * 3600)}`,
  );
  const plan = s.mechanics
    ? planMechanics(s.mechanics, sale.buyers, opts.scale, sale.mechanicsTimeFactor)
    : null;
  if (plan && opts.admissionRate) plan.admissionRate = opts.admissionRate;
  const roles = plan ? Array.from({ length: sale.buyers }, (_, i) => plan.roleOf(i)) : null;
  const registrants = registrantsOf(s, roles);
  const createdAt = Date.now();
  const opening = planOpening(
    createdAt,
    registrants.length,
    Boolean(s.mechanics?.waitingRoom),
    opts.registrationSeconds,
    opts.preQueueSeconds,
  );
  const saleId = await createSale(net.http, admin, {
    ...saleRequest(s, sale, plan, createdAt, opening.opensAt, opts),
    ...shardsField(opts.shards),
  });
  const fcodes =
    plan && plan.fcodes > 0 ? await issueFcodes(net.http, admin, saleId, plan.fcodes) : [];
  const clock = new RunClock(opening.opensAt, opts.limitSeconds);
  return {
    opts,
    scenario: s,
    sale,
    saleId,
    admin,
    tokens,
    plan,
    roles,
    registrants,
    fcodes,
    opening,
    clock,
    net,
    tally: new RunTally(),
    work: new RunWork(),
    persistence: new PersistenceWatch(net.http, `/admin/sales/${saleId}/stats`, admin, clock),
    cpu: new CpuWindow(opts.cpuTiers),
    cohort: s.bots
      ? new CrowdCohort(s.bots, sale.buyers, sale.mechanicsTimeFactor, opts.proofOfWork ?? null)
      : null,
  };
}

async function createSale(
  http: Pool,
  admin: string,
  body: Record<string, unknown>,
): Promise<string> {
  const created = await requestJson<{ id: string }>(http, 'POST', '/admin/sales', admin, body);
  if (created.status !== 201)
    throw new Error(`could not create the sale: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

async function issueFcodes(
  http: Pool,
  admin: string,
  saleId: string,
  count: number,
): Promise<string[]> {
  const issued = await requestJson<{ codes: string[] }>(
    http,
    'POST',
    `/admin/sales/${saleId}/fcodes`,
    admin,
    { count },
  );
  if (issued.status !== 201)
    throw new Error(`could not issue F-codes: ${JSON.stringify(issued.body)}`);
  return issued.body.codes;
}
