import type { SchemaObject } from 'ajv';

/**
 * Request bodies, as JSON Schema: compiled by ajv for validation and shown as they are
 * in the OpenAPI document, so the docs and the checks cannot disagree.
 */
export const MAX_QUANTITY = 1000;

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
}

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
  },
};

export interface PurchaseBody {
  quantity?: number;
}

export const purchaseSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: {
    quantity: { type: 'integer', minimum: 1, maximum: MAX_QUANTITY, default: 1 },
  },
};
