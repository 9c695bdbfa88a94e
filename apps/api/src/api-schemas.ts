import type { SchemaObject } from 'ajv';
import { MAX_DIFFICULTY } from '@flash/bot-defence/proof-of-work';

/**
 * Request bodies, as JSON Schema: compiled by ajv for validation and shown as they are
 * in the OpenAPI document, so the docs and the checks cannot disagree.
 */
export const MAX_QUANTITY = 1000;
/** The hardest proof of work a sale may ask for (the lib's own bound). */
export const MAX_POW_DIFFICULTY = MAX_DIFFICULTY;

export interface DevTokenBody {
  sub: string;
  role?: 'admin' | 'buyer';
}

export const devTokenSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['sub'],
  properties: {
    sub: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    role: { type: 'string', enum: ['admin', 'buyer'] },
  },
};

export interface CreateSaleBody {
  name: string;
  sku: string;
  price: number;
  stock: number;
  startsAt: string;
  endsAt?: string;
  perUserLimit?: number;
  appointments?: { opensAt: string; closesAt?: string };
  fcodes?: { priorityStartsAt: string };
  waitingRoom?: { admissionRate: number; admissionTtlSeconds?: number; preQueue?: boolean };
  proofOfWork?: { difficulty: number };
  shards?: number;
}

export const DEFAULT_ADMISSION_TTL_SECONDS = 120;

export const createSaleSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'sku', 'price', 'stock', 'startsAt'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    sku: { type: 'string', minLength: 1, maxLength: 64 },
    price: { type: 'integer', minimum: 1, maximum: 1_000_000_000_000, description: 'minor units' },
    stock: { type: 'integer', minimum: 1, maximum: 10_000_000 },
    startsAt: { type: 'string', maxLength: 40, description: 'ISO-8601 date-time with zone' },
    endsAt: { type: 'string', maxLength: 40, description: 'ISO-8601, after startsAt' },
    perUserLimit: { type: 'integer', minimum: 1, maximum: MAX_QUANTITY, default: 1 },
    shards: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: 1,
      description:
        'hot-SKU shards: the stock split over this many inventory shards, each buyer buying from one (at most the stock)',
    },
    appointments: {
      type: 'object',
      description: 'Only registered buyers may buy; registration is open in [opensAt, closesAt)',
      additionalProperties: false,
      required: ['opensAt'],
      properties: {
        opensAt: { type: 'string', maxLength: 40, description: 'ISO-8601, before closesAt' },
        closesAt: {
          type: 'string',
          maxLength: 40,
          description: 'ISO-8601, at the latest startsAt (the default)',
        },
      },
    },
    fcodes: {
      type: 'object',
      description: 'F-code holders may buy from priorityStartsAt and skip the other gates',
      additionalProperties: false,
      required: ['priorityStartsAt'],
      properties: {
        priorityStartsAt: {
          type: 'string',
          maxLength: 40,
          description: 'ISO-8601, before startsAt',
        },
      },
    },
    waitingRoom: {
      type: 'object',
      description:
        'Buyers queue and are admitted at a fixed rate; purchases need an admission token',
      additionalProperties: false,
      required: ['admissionRate'],
      properties: {
        admissionRate: {
          type: 'integer',
          minimum: 1,
          maximum: 1_000_000,
          description: 'buyers admitted per second',
        },
        admissionTtlSeconds: {
          type: 'integer',
          minimum: 5,
          maximum: 86_400,
          default: DEFAULT_ADMISSION_TTL_SECONDS,
          description: 'how long an admission (and its token) lasts',
        },
        preQueue: {
          type: 'boolean',
          default: true,
          description:
            'true: buyers who come before the opening join a pre-queue, shuffled at the opening; false: the line opens at the opening, first come first served',
        },
      },
    },
    proofOfWork: {
      type: 'object',
      description:
        'Registrations and queue joins need a solved challenge (POST /sales/:id/challenge); needs appointments or a waiting room',
      additionalProperties: false,
      required: ['difficulty'],
      properties: {
        difficulty: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_POW_DIFFICULTY,
          description: 'leading zero bits of SHA-256: 2^difficulty hashes on average',
        },
      },
    },
  },
};

/** F-codes look like XXXX-XXXX-XXXX-XXXX in Crockford's base32 (no I, L, O, U). */
export const FCODE_PATTERN = '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$';

export interface PurchaseBody {
  quantity?: number;
  fcode?: string;
}

export const purchaseSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    quantity: { type: 'integer', minimum: 1, maximum: MAX_QUANTITY, default: 1 },
    fcode: {
      type: 'string',
      pattern: FCODE_PATTERN,
      description: 'an F-code: buy in the priority window, without appointment or queue',
    },
  },
};

export interface GenerateFcodesBody {
  count: number;
}

export const MAX_FCODES_PER_REQUEST = 100_000;

export const generateFcodesSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['count'],
  properties: {
    count: { type: 'integer', minimum: 1, maximum: MAX_FCODES_PER_REQUEST },
  },
};

export interface HoldSuspectsBody {
  buyerIds: string[];
}

export const MAX_SUSPECTS_PER_REQUEST = 1000;

export const holdSuspectsSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['buyerIds'],
  properties: {
    buyerIds: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_SUSPECTS_PER_REQUEST,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
      description: "buyers' ids (their tokens' sub)",
    },
  },
};

/** Routes that take no body accept none, or an empty object. */
export const emptyBodySchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {},
};
