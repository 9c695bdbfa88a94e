import Ajv, { ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The historic sales as data (`loadtest/scenarios.json`), shared by the k6 scripts and the
 * Node driver. Each scenario may override any default; `resolveScenario` merges them and
 * applies the time compression (a 34-hour sale run in minutes, its payment window with it).
 */
export interface Behaviour {
  /** Share of buyers who try again after a refusal other than sold out. */
  retryShare: number;
  maxRetries: number;
  retryDelaySeconds: number;
  /** Share of attempts sent twice at once with the same Idempotency-Key. */
  replayShare: number;
  /** Share of attempts that are malformed on purpose (must be refused with 4xx). */
  badRequestShare: number;
  /** Share of successful buyers who pay within the window; the rest let it expire. */
  payShare: number;
  /**
   * A paying buyer pays this long after the 202 (uniform between min and max, historic
   * seconds): address, bank redirect. Keeps payments out of the opening race, as they were.
   */
  payDelayMinSeconds: number;
  payDelayMaxSeconds: number;
}

export interface Arrival {
  /** Arrivals decay from the opening spike to this share of the peak rate. */
  floorShare: number;
  /** Time constant of the decay after the opening second, in historic seconds. */
  decaySeconds: number;
}

/**
 * Xiaomi's sale mechanics, for scenarios that model them (see docs/sale-mechanics.md).
 * Rates and leads are historic (uncompressed, full scale); the driver scales them.
 */
export interface Mechanics {
  /** Buyers register before the opening; this share of them did (the rest are refused). */
  appointments?: { registeredShare: number };
  /** F-codes for this many buyers, who may buy this long before the opening. */
  fcodes?: { codes: number; priorityLeadSeconds: number };
  /**
   * A waiting room admitting admissionRate buyers per second, each for admissionTtlSeconds.
   * preQueueShare of the buyers join before the opening; followShare of those in line
   * follow their ticket over server-sent events instead of polling.
   */
  waitingRoom?: {
    admissionRate: number;
    admissionTtlSeconds: number;
    preQueueShare: number;
    followShare: number;
  };
}

export interface ScenarioSettings {
  perUserLimit: number;
  unitPrice: number;
  /** Buyers per unit on sale: the population is units × oversubscription. */
  oversubscription: number;
  /** Historic seconds per run second (1 = real time). */
  timeCompression: number;
  paymentWindowSeconds: number;
  arrival: Arrival;
  behaviour: Behaviour;
}

export interface ScenarioDefinition
  extends Partial<Omit<ScenarioSettings, 'arrival' | 'behaviour'>> {
  title: string;
  units: number;
  historicSellOutSeconds: number;
  arrival?: Partial<Arrival>;
  behaviour?: Partial<Behaviour>;
  mechanics?: Mechanics;
}

export interface ScenarioFile {
  defaults: ScenarioSettings;
  scenarios: Record<string, ScenarioDefinition>;
}

export interface ResolvedScenario extends ScenarioSettings {
  name: string;
  title: string;
  units: number;
  historicSellOutSeconds: number;
  /** The sell-out time the run aims at in historic mode, in run seconds. */
  targetSellOutSeconds: number;
  /** Payment window in run seconds (compressed with the sale). */
  runPaymentWindowSeconds: number;
  /** Decay constant in run seconds. */
  runDecaySeconds: number;
  /** The payment delay's range in run seconds. */
  runPayDelaySeconds: [number, number];
  buyers: number;
  /** The mechanisms the sale switches on; null for a bare sale. */
  mechanics: Mechanics | null;
}

const share = { type: 'number', minimum: 0, maximum: 1 };
const positive = { type: 'number', exclusiveMinimum: 0 };
const behaviourProps = {
  retryShare: share,
  maxRetries: { type: 'integer', minimum: 0, maximum: 100 },
  retryDelaySeconds: { type: 'number', minimum: 0 },
  replayShare: share,
  badRequestShare: share,
  payShare: share,
  payDelayMinSeconds: { type: 'number', minimum: 0 },
  payDelayMaxSeconds: { type: 'number', minimum: 0 },
};
const arrivalProps = { floorShare: share, decaySeconds: positive };
const mechanicsSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    appointments: {
      type: 'object',
      additionalProperties: false,
      required: ['registeredShare'],
      properties: { registeredShare: share },
    },
    fcodes: {
      type: 'object',
      additionalProperties: false,
      required: ['codes', 'priorityLeadSeconds'],
      properties: {
        codes: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        priorityLeadSeconds: positive,
      },
    },
    waitingRoom: {
      type: 'object',
      additionalProperties: false,
      required: ['admissionRate', 'admissionTtlSeconds', 'preQueueShare', 'followShare'],
      properties: {
        admissionRate: positive,
        admissionTtlSeconds: { type: 'number', minimum: 5 },
        preQueueShare: share,
        followShare: share,
      },
    },
  },
};
const settingsProps = {
  perUserLimit: { type: 'integer', minimum: 1, maximum: 1000 },
  unitPrice: { type: 'integer', minimum: 1 },
  oversubscription: { type: 'number', minimum: 1, maximum: 1000 },
  timeCompression: { type: 'number', minimum: 1 },
  paymentWindowSeconds: { type: 'number', exclusiveMinimum: 0 },
};

/** The JSON Schema every scenario file must satisfy. */
export const scenarioFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['defaults', 'scenarios'],
  properties: {
    $schema: { type: 'string' },
    defaults: {
      type: 'object',
      additionalProperties: false,
      required: [...Object.keys(settingsProps), 'arrival', 'behaviour'],
      properties: {
        ...settingsProps,
        arrival: {
          type: 'object',
          additionalProperties: false,
          required: Object.keys(arrivalProps),
          properties: arrivalProps,
        },
        behaviour: {
          type: 'object',
          additionalProperties: false,
          required: Object.keys(behaviourProps),
          properties: behaviourProps,
        },
      },
    },
    scenarios: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'units', 'historicSellOutSeconds'],
        properties: {
          title: { type: 'string', minLength: 1 },
          units: { type: 'integer', minimum: 1, maximum: 10_000_000 },
          historicSellOutSeconds: positive,
          ...settingsProps,
          arrival: { type: 'object', additionalProperties: false, properties: arrivalProps },
          behaviour: { type: 'object', additionalProperties: false, properties: behaviourProps },
          mechanics: mechanicsSchema,
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile<ScenarioFile>(
  scenarioFileSchema,
);

export class ScenarioFileError extends Error {}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    )
    .join('; ');
}

export function parseScenarioFile(json: unknown): ScenarioFile {
  if (!validate(json))
    throw new ScenarioFileError(`invalid scenario file: ${describe(validate.errors)}`);
  return json;
}

export const SCENARIO_FILE = join(__dirname, '..', 'scenarios.json');

export function loadScenarioFile(path = SCENARIO_FILE): ScenarioFile {
  return parseScenarioFile(JSON.parse(readFileSync(path, 'utf8')));
}

export function resolveScenario(file: ScenarioFile, name: string): ResolvedScenario {
  const def = file.scenarios[name];
  if (!def) {
    throw new ScenarioFileError(
      `no scenario "${name}"; known: ${Object.keys(file.scenarios).join(', ')}`,
    );
  }
  const { arrival, behaviour, mechanics, ...rest } = def;
  const settings: ScenarioSettings = {
    ...file.defaults,
    ...rest,
    arrival: { ...file.defaults.arrival, ...arrival },
    behaviour: { ...file.defaults.behaviour, ...behaviour },
  };
  const b = settings.behaviour;
  if (b.payDelayMinSeconds > b.payDelayMaxSeconds) {
    throw new ScenarioFileError(`${name}: payDelayMinSeconds is above payDelayMaxSeconds`);
  }
  if (b.payDelayMaxSeconds >= settings.paymentWindowSeconds) {
    throw new ScenarioFileError(`${name}: payDelayMaxSeconds must be inside the payment window`);
  }
  const compression = settings.timeCompression;
  return {
    ...settings,
    name,
    title: def.title,
    units: def.units,
    historicSellOutSeconds: def.historicSellOutSeconds,
    targetSellOutSeconds: def.historicSellOutSeconds / compression,
    runPaymentWindowSeconds: settings.paymentWindowSeconds / compression,
    runDecaySeconds: settings.arrival.decaySeconds / compression,
    runPayDelaySeconds: [b.payDelayMinSeconds / compression, b.payDelayMaxSeconds / compression],
    // Every buyer takes one unit (the per-user limit is the cap, not the ask).
    buyers: Math.ceil(def.units * settings.oversubscription),
    mechanics: mechanics ?? null,
  };
}
