import Ajv, { ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError } from '../model/scenario-model.js';
import type { ScenarioFile } from '../model/types';

/**
 * The historic sales as data (`loadtest/scenarios.json`), shared by the k6 scripts and the
 * Node driver. The file's schema lives here (k6 does not validate); resolving and sizing a
 * scenario is the load model's (`loadtest/model/scenario-model.js`), which k6 imports too.
 */
export type {
  Arrival,
  Behaviour,
  Bots,
  Mechanics,
  ResolvedScenario,
  ScenarioDefinition,
  ScenarioFile,
  ScenarioSettings,
} from '../model/types';
export { resolveScenario, scaleSale, runLimitSeconds } from '../model/scenario-model.js';

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
const botsSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'share',
    'accountsPerOperator',
    'coresPerOperator',
    'leadSeconds',
    'refireMs',
    'solvesProofOfWork',
    'crowdLatencyMs',
    'crowdReactionMs',
    'latencyAdvantageMs',
    'browserHashesPerSecond',
    'farmHashesPerSecondPerCore',
  ],
  properties: {
    share: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    accountsPerOperator: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    coresPerOperator: { type: 'integer', minimum: 1, maximum: 100_000 },
    leadSeconds: { type: 'number', minimum: 0, maximum: 3600 },
    refireMs: { type: 'number', minimum: 1, maximum: 60_000 },
    solvesProofOfWork: { type: 'boolean' },
    crowdLatencyMs: {
      type: 'array',
      items: { type: 'number', minimum: 0, maximum: 10_000 },
      minItems: 2,
      maxItems: 2,
    },
    crowdReactionMs: {
      type: 'array',
      items: { type: 'number', minimum: 0, maximum: 60_000 },
      minItems: 2,
      maxItems: 2,
    },
    latencyAdvantageMs: { type: 'number', minimum: 0, maximum: 10_000 },
    browserHashesPerSecond: positive,
    farmHashesPerSecondPerCore: positive,
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
          bots: botsSchema,
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile<ScenarioFile>(
  scenarioFileSchema,
);

/** A scenario file that breaks its schema, or a scenario that does not add up. */
export { ScenarioError as ScenarioFileError };

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
    throw new ScenarioError(`invalid scenario file: ${describe(validate.errors)}`);
  return json;
}

export const SCENARIO_FILE = join(__dirname, '..', 'scenarios.json');

export function loadScenarioFile(path = SCENARIO_FILE): ScenarioFile {
  return parseScenarioFile(JSON.parse(readFileSync(path, 'utf8')));
}
