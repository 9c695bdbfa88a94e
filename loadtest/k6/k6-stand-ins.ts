import { transformSync } from '@swc/core';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { leadingZeroBits } from '@flash/bot-defence';
import type { MechanicsPlan, ScaledSale } from '../model/types';

/**
 * k6 cannot be installed here, so its script is evaluated under Node with stand-ins for the
 * k6 modules: a clock that sleep() advances, counters that count, and an HTTP stand-in that
 * answers like the API (without its rules beyond what the script's flow needs). The script's
 * own imports (the load model) are the real files. No request leaves the process.
 */

export interface SentRequest {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  tags: Record<string, string>;
  /** The fake clock when it was sent. */
  at: number;
}

export interface StandInResponse {
  status: number;
  body: string;
  timings: { duration: number };
  json(selector?: string): unknown;
}

interface ScenarioOptions {
  executor: string;
  exec?: string;
  vus?: number;
  iterations?: number;
  startTime?: string;
  maxDuration?: string;
  stages?: { target: number; duration: string }[];
}

export interface K6Options {
  scenarios: Record<string, ScenarioOptions>;
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
  batch: number;
  batchPerHost: number;
}

type Fn = (data?: unknown) => unknown;

/** The plan the script exports for its tests (`plan` in flash-sale.js). */
export interface K6Plan {
  scenario: { name: string; targetSellOutSeconds: number };
  sale: ScaledSale;
  mechanics: MechanicsPlan | null;
  phases: { open: number; registration: number; preQueue: number };
  limitSeconds: number;
}

export interface K6Script {
  options: K6Options;
  plan: K6Plan;
  summaryPath: string;
  setup(): unknown;
  teardown: Fn;
  handleSummary(data: unknown): Record<string, string>;
  /** Exported scenario functions by name; `default` is the bare buyer. */
  exports: Record<string, Fn>;
}

export interface StandIns {
  script: K6Script;
  /** Every request the script sent, in order. */
  sent: SentRequest[];
  /** Counter and trend totals by metric name. */
  metrics: Map<string, number>;
  /** Every path the script passed to k6's open(), in order. */
  opened: string[];
  /** Every module the script imported, as written in its import statements. */
  imported: string[];
  clock: { now: number };
  /** The API stand-in, for what it took and refused. */
  api: FakeApi;
  /**
   * setup(), then every scenario from its start time (one after another, each VU of a
   * per-VU scenario from the scenario's start), then teardown(). Returns setup()'s data.
   */
  runTest(): unknown;
}

const SCRIPT = join(__dirname, 'flash-sale.js');
/** What a secrets file holds, for scripts that read one. */
export const STAND_IN_SECRETS = { JWT_SECRET: 'stand-in-secret-for-k6-evaluation-only-0' };
const SCENARIOS = join(__dirname, '..', 'scenarios.json');

/**
 * Evaluates the script as k6 would load it: its ES module syntax turned into CommonJS by
 * swc (the compiler the tests already run on), its `k6/*` imports answered by the stand-ins,
 * and its relative imports (the load model) loaded from the files themselves.
 */
export function loadK6Script(
  env: Record<string, string>,
  world: {
    /** How far the API's clock runs ahead of the driver's, ms (bots sync to it). */
    serverAheadMs?: number;
    /** The scenario file's text, in place of loadtest/scenarios.json. */
    scenarios?: string;
  } = {},
): StandIns {
  const { code } = transformSync(readFileSync(SCRIPT, 'utf8'), {
    filename: SCRIPT,
    jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  const clock = { now: Date.UTC(2012, 4, 18, 4, 0, 0) };
  const sent: SentRequest[] = [];
  const opened: string[] = [];
  const imported: string[] = [];
  const metrics = new Map<string, number>();
  const api = new FakeApi(clock, world.serverAheadMs ?? 0);
  const vu = { iterationInTest: 0 };

  class FakeDate extends Date {
    static override now(): number {
      return clock.now;
    }
  }
  const metric = class {
    constructor(readonly name: string) {
      metrics.set(name, 0);
    }
    add(value: number): void {
      metrics.set(this.name, (metrics.get(this.name) ?? 0) + value);
    }
  };
  const request = (
    method: string,
    url: string,
    body: string | null,
    params: { headers?: Record<string, string>; tags?: Record<string, string> } = {},
  ): StandInResponse => {
    const headers = params.headers ?? {};
    sent.push({ method, url, body, headers, tags: params.tags ?? {}, at: clock.now });
    clock.now += 1;
    return api.answer(method, new URL(url).pathname, body, headers);
  };
  const k6Modules: Record<string, unknown> = {
    'k6/http': {
      default: {
        request,
        batch: (requests: [string, string, string | null, Record<string, never>][]) =>
          requests.map((r) => request(...r)),
      },
    },
    k6: { sleep: (s: number) => (clock.now += Math.max(1, Math.round(s * 1000))) },
    'k6/crypto': {
      default: {
        hmac: () => 'signature',
        sha256: (input: string, encoding: 'hex') =>
          createHash('sha256').update(input).digest(encoding),
      },
    },
    'k6/encoding': {
      default: { b64encode: (s: string) => Buffer.from(s).toString('base64url') },
    },
    'k6/execution': { default: { scenario: vu } },
    'k6/metrics': { Counter: metric, Trend: metric },
  };
  const load = (specifier: string): unknown => {
    imported.push(specifier);
    if (specifier in k6Modules) return { __esModule: true, ...(k6Modules[specifier] as object) };
    if (!specifier.startsWith('.')) throw new Error(`k6 has no module "${specifier}"`);
    // The load model: the same files the Node driver imports, through the test runner's own
    // require (which compiles them as it compiles the driver).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(resolve(dirname(SCRIPT), specifier)) as unknown;
  };
  const open = (path: string) => {
    opened.push(path);
    return path.endsWith('secrets.json')
      ? JSON.stringify(STAND_IN_SECRETS)
      : (world.scenarios ?? readFileSync(SCENARIOS, 'utf8'));
  };
  const exported: Record<string, unknown> = {};
  // The point is to evaluate k6's script here, with k6's globals and modules as stand-ins.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const evaluate = new Function('require', 'exports', '__ENV', 'open', 'Date', code) as (
    ...args: unknown[]
  ) => void;
  evaluate(load, exported, env, open, FakeDate);
  const script = {
    ...exported,
    exports: {
      default: exported.default,
      registerBuyers: exported.registerBuyers,
      redeemFcodes: exported.redeemFcodes,
      waitingRoomBuyers: exported.waitingRoomBuyers,
      botBuyers: exported.botBuyers,
    },
  } as unknown as K6Script;

  return {
    script,
    sent,
    metrics,
    opened,
    imported,
    clock,
    api,
    runTest() {
      const data = script.setup();
      const zero = clock.now;
      const byStart = Object.values(script.options.scenarios).sort(
        (a, b) => seconds(a.startTime) - seconds(b.startTime),
      );
      for (const scenario of byStart) {
        const fn = script.exports[scenario.exec ?? 'default'];
        const perVu = scenario.executor === 'per-vu-iterations';
        const iterations = perVu
          ? (scenario.vus ?? 1) * (scenario.iterations ?? 1)
          : (scenario.iterations ?? script.plan.sale.buyers);
        clock.now = zero + seconds(scenario.startTime) * 1000;
        const started = clock.now;
        for (let k = 0; k < iterations; k++) {
          if (perVu) clock.now = started;
          vu.iterationInTest = k;
          fn(data);
        }
      }
      script.teardown(data);
      return data;
    },
  };
}

function seconds(duration: string | undefined): number {
  return Number.parseFloat(duration ?? '0');
}

interface FakeSale {
  stock: number;
  startsAt: string;
  waitingRoom?: { preQueue?: boolean };
  proofOfWork?: { difficulty: number };
}

/**
 * Answers like the API for the script's happy and unhappy paths, with a stock to sell: the
 * opening (on its own clock, which may run ahead of the driver's), a line with or without a
 * pre-queue, and proof of work checked as the server checks it (bound to the buyer, single
 * use, enough leading zero bits).
 */
export class FakeApi {
  private sale: FakeSale = { stock: 0, startsAt: '' };
  private sold = 0;
  private paidUnits = 0;
  private readonly orders = new Map<string, string>();
  private readonly polls = new Map<string, number>();
  private readonly challenges = new Map<string, string>();
  private readonly spent = new Set<string>();
  /** Proofs refused, and queue joins taken, by buyer (in the order the API took them). */
  readonly refusedProofs: string[] = [];
  readonly joined: { buyer: string; serverAt: number }[] = [];

  constructor(
    private readonly clock: { now: number },
    private readonly aheadMs: number,
  ) {}

  answer(
    method: string,
    path: string,
    body: string | null,
    headers: Record<string, string>,
  ): StandInResponse {
    const buyer = subjectOf(headers.authorization ?? '');
    const route = `${method} ${path.replace(/[0-9a-f-]{36}/g, ':id')}`;
    switch (route) {
      case 'POST /admin/sales':
        this.sale = JSON.parse(body ?? '{}') as FakeSale;
        return reply(201, { id: randomUUID() });
      case 'POST /admin/sales/:id/fcodes': {
        const { count } = JSON.parse(body ?? '{}') as { count: number };
        return reply(201, { count, codes: Array.from({ length: count }, (_, k) => `CODE-${k}`) });
      }
      case 'GET /sales/:id':
        return reply(200, { serverTime: new Date(this.serverNow()).toISOString() });
      case 'POST /sales/:id/challenge': {
        const challenge = randomUUID();
        this.challenges.set(challenge, buyer);
        return reply(201, { challenge, difficulty: this.sale.proofOfWork?.difficulty });
      }
      case 'POST /sales/:id/registration':
        return this.proven(buyer, headers) ?? reply(201, { status: 'registered' });
      case 'POST /sales/:id/queue':
        return this.proven(buyer, headers) ?? this.join(buyer);
      case 'GET /sales/:id/queue': {
        const polls = (this.polls.get(buyer) ?? 0) + 1;
        this.polls.set(buyer, polls);
        if (this.sold >= this.sale.stock) return reply(200, { status: 'sold_out' });
        return polls < 2
          ? reply(200, { status: 'waiting', estimatedWaitSeconds: 2 })
          : reply(200, { status: 'admitted', admissionToken: 'admitted' });
      }
      case 'POST /sales/:id/purchase':
        return this.purchase(body, `${buyer} ${headers['idempotency-key'] ?? ''}`);
      case 'POST /orders/:id/pay':
        this.paidUnits++;
        return reply(200, { status: 'paid' });
      case 'GET /admin/sales/:id/stats':
        return reply(200, {
          stock: this.sale.stock,
          remaining: this.sale.stock - this.sold,
          held: this.sold - this.paidUnits,
          paid: this.paidUnits,
          unitsPersisted: this.sold,
          pipelineLag: 0,
        });
      default:
        return reply(404, { error: { code: 'NOT_FOUND', message: route } });
    }
  }

  private serverNow(): number {
    return this.clock.now + this.aheadMs;
  }

  private opened(): boolean {
    return this.serverNow() >= Date.parse(this.sale.startsAt);
  }

  /** A refusal if the sale asks for proof of work and the header does not carry a good one. */
  private proven(buyer: string, headers: Record<string, string>): StandInResponse | undefined {
    const bits = this.sale.proofOfWork?.difficulty;
    if (!bits) return undefined;
    const [challenge = '', solution = ''] = (headers['proof-of-work'] ?? '').split(':');
    const digest = createHash('sha256').update(`${challenge}:${solution}`).digest();
    const good =
      this.challenges.get(challenge) === buyer &&
      !this.spent.has(challenge) &&
      leadingZeroBits(digest) >= bits;
    if (good) {
      this.spent.add(challenge);
      return undefined;
    }
    this.refusedProofs.push(buyer);
    return reply(403, { error: { code: 'PROOF_OF_WORK_INVALID', message: '' } });
  }

  private join(buyer: string): StandInResponse {
    if (this.sale.waitingRoom?.preQueue === false && !this.opened())
      return reply(409, { error: { code: 'NOT_STARTED', message: '' } });
    this.joined.push({ buyer, serverAt: this.serverNow() });
    return reply(201, { status: 'waiting', estimatedWaitSeconds: 1 });
  }

  private purchase(body: string | null, key: string): StandInResponse {
    const { quantity = 1, fcode } = JSON.parse(body ?? '{}') as {
      quantity?: number;
      fcode?: string;
    };
    if (quantity < 1) return reply(400, { error: { code: 'INVALID_REQUEST', message: '' } });
    const replayed = this.orders.get(key);
    if (replayed) return reply(202, { orderId: replayed });
    if (!fcode && !this.opened())
      return reply(409, { error: { code: 'NOT_STARTED', message: '' } });
    if (this.sold >= this.sale.stock)
      return reply(409, { error: { code: 'SOLD_OUT', message: '' } });
    this.sold++;
    const orderId = randomUUID();
    this.orders.set(key, orderId);
    return reply(202, { orderId, status: 'pending_payment', at: this.clock.now });
  }
}

/** The buyer of a bearer token (its claims are base64url JSON). */
function subjectOf(authorization: string): string {
  const claims = authorization.split('.')[1] ?? '';
  return (
    (JSON.parse(Buffer.from(claims, 'base64url').toString() || '{}') as { sub?: string }).sub ?? ''
  );
}

function reply(status: number, value: unknown): StandInResponse {
  const body = JSON.stringify(value);
  return {
    status,
    body,
    timings: { duration: 2 },
    json(selector?: string) {
      let v: unknown = JSON.parse(body);
      for (const key of selector ? selector.split('.') : []) {
        v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
      }
      return v;
    },
  };
}
