import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from 'ajv';
import { ErrorCode, ErrorRow, errorBody } from '@flash/http';
import { ORDER_STATUSES } from '@flash/orders';
import { DISCREPANCY_KINDS } from '@flash/recovery';

/**
 * The API's answers, as JSON Schema: one named schema per shape, added to the OpenAPI
 * document's components and referenced from every route that answers with it. The error
 * envelope is one of them, so it is modelled once for every route. The e2e tests validate
 * the served document as OpenAPI 3 and real answers against these schemas.
 */
const isoTime = (description: string): SchemaObject => ({
  type: 'string',
  maxLength: 40,
  description: `${description} (ISO-8601)`,
});
const uuid: SchemaObject = { type: 'string', minLength: 36, maxLength: 36 };
const count: SchemaObject = { type: 'integer', minimum: 0 };

const mechanics: Record<string, SchemaObject> = {
  appointments: {
    type: 'object',
    additionalProperties: false,
    required: ['opensAt', 'closesAt'],
    properties: { opensAt: isoTime('registration opens'), closesAt: isoTime('and closes') },
  },
  fcodes: {
    type: 'object',
    additionalProperties: false,
    required: ['priorityStartsAt'],
    properties: { priorityStartsAt: isoTime('F-code holders may buy from') },
  },
  waitingRoom: {
    type: 'object',
    additionalProperties: false,
    required: ['admissionRate', 'admissionTtlSeconds', 'preQueue'],
    properties: {
      admissionRate: { type: 'integer', minimum: 1 },
      admissionTtlSeconds: { type: 'integer', minimum: 5 },
      preQueue: {
        type: 'boolean',
        description: 'false: first come, first served from the opening',
      },
    },
  },
  proofOfWork: {
    type: 'object',
    additionalProperties: false,
    required: ['difficulty'],
    properties: { difficulty: { type: 'integer', minimum: 1 } },
  },
};

const saleFields: Record<string, SchemaObject> = {
  id: uuid,
  name: { type: 'string' },
  price: { type: 'integer', description: 'minor units' },
  stock: { type: 'integer', minimum: 1 },
  startsAt: isoTime('opens'),
  endsAt: { ...isoTime('closes'), nullable: true },
  perUserLimit: { type: 'integer', minimum: 1 },
  ...mechanics,
};

/** A page of a list: the items, and the cursor of the next page (null on the last). */
function page(item: string): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['items', 'nextCursor'],
    properties: {
      items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } },
      nextCursor: {
        type: 'string',
        nullable: true,
        description: 'pass it as `cursor` for the next page; null on the last page',
      },
    },
  };
}

export const RESPONSE_SCHEMAS = {
  Error: {
    type: 'object',
    additionalProperties: false,
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: Object.values(ErrorCode) },
          message: { type: 'string' },
        },
      },
    },
  },
  DevToken: {
    type: 'object',
    additionalProperties: false,
    required: ['token'],
    properties: { token: { type: 'string', description: 'an HS256 JWT' } },
  },
  Sale: {
    type: 'object',
    additionalProperties: false,
    required: [
      'id',
      'name',
      'sku',
      'price',
      'stock',
      'startsAt',
      'endsAt',
      'perUserLimit',
      'shards',
    ],
    properties: {
      ...saleFields,
      sku: { type: 'string' },
      shards: {
        type: 'integer',
        minimum: 1,
        maximum: 64,
        description: 'inventory shards the stock is split over (1: unsharded)',
      },
    },
  },
  PublicSale: {
    type: 'object',
    additionalProperties: false,
    required: [
      'id',
      'name',
      'price',
      'stock',
      'remaining',
      'startsAt',
      'endsAt',
      'perUserLimit',
      'status',
      'serverTime',
    ],
    properties: {
      ...saleFields,
      remaining: count,
      status: { type: 'string', enum: ['upcoming', 'live', 'sold_out', 'ended'] },
      serverTime: isoTime(
        "the time on Redis's clock, which opens and ends sales, when answered: a countdown syncs to it",
      ),
    },
  },
  SaleStats: {
    type: 'object',
    additionalProperties: false,
    required: [
      'saleId',
      'stock',
      'remaining',
      'held',
      'paid',
      'ordersPersisted',
      'unitsPersisted',
      'pipelineLag',
    ],
    properties: {
      saleId: uuid,
      stock: count,
      remaining: { type: 'integer', description: 'units that can still be bought' },
      held: { ...count, description: 'units in accepted, unpaid orders' },
      paid: { ...count, description: 'units paid' },
      ordersPersisted: { ...count, description: 'live orders in Postgres' },
      unitsPersisted: { ...count, description: 'their units' },
      pipelineLag: { type: 'integer', description: 'accepted orders not yet in Postgres' },
      registrations: count,
      fcodes: {
        type: 'object',
        additionalProperties: false,
        required: ['issued', 'redeemed'],
        properties: { issued: count, redeemed: count },
      },
      queue: {
        type: 'object',
        additionalProperties: false,
        required: ['joined', 'admitted', 'waiting', 'suspects', 'held'],
        properties: {
          joined: count,
          admitted: count,
          waiting: count,
          suspects: { ...count, description: 'buyers flagged as suspects (never admitted)' },
          held: { ...count, description: 'suspects in line, shown a ticket that never comes up' },
        },
      },
      shards: {
        type: 'object',
        description: 'a sale split into inventory shards',
        additionalProperties: false,
        required: ['count', 'transfers', 'inFlight'],
        properties: {
          count: { type: 'integer', minimum: 2 },
          transfers: { ...count, description: 'stock transfers between shards so far' },
          inFlight: { ...count, description: 'units on their way between shards (in remaining)' },
        },
      },
    },
  },
  PurchaseAccepted: {
    type: 'object',
    additionalProperties: false,
    required: ['orderId', 'saleId', 'quantity', 'status'],
    properties: {
      orderId: uuid,
      saleId: uuid,
      quantity: { type: 'integer', minimum: 1 },
      status: { type: 'string', enum: ['pending_payment'] },
    },
  },
  Order: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'saleId', 'buyerId', 'quantity', 'unitPrice', 'status', 'createdAt'],
    properties: {
      id: uuid,
      saleId: uuid,
      buyerId: { type: 'string' },
      quantity: { type: 'integer', minimum: 1 },
      unitPrice: { type: 'integer', description: 'minor units' },
      status: { type: 'string', enum: [...ORDER_STATUSES] },
      createdAt: isoTime('accepted at'),
      expiresAt: isoTime('an unpaid order expires at'),
    },
  },
  PendingPayment: {
    type: 'object',
    additionalProperties: false,
    required: [
      'id',
      'saleId',
      'buyerId',
      'quantity',
      'unitPrice',
      'status',
      'createdAt',
      'payment',
    ],
    properties: {
      id: uuid,
      saleId: uuid,
      buyerId: { type: 'string' },
      quantity: { type: 'integer', minimum: 1 },
      unitPrice: { type: 'integer', description: 'minor units' },
      status: { type: 'string', enum: ['pending_payment'] },
      createdAt: isoTime('accepted at'),
      expiresAt: isoTime('an unpaid order expires at'),
      payment: {
        type: 'object',
        additionalProperties: false,
        required: ['provider', 'clientSecret'],
        properties: {
          provider: { type: 'string', enum: ['stripe'] },
          clientSecret: {
            type: 'string',
            description: "confirms the order's PaymentIntent in the browser (Stripe.js)",
          },
        },
      },
    },
  },
  SalePage: page('Sale'),
  OrderPage: page('Order'),
  Registration: {
    type: 'object',
    additionalProperties: false,
    required: ['saleId', 'buyerId', 'registeredAt'],
    properties: { saleId: uuid, buyerId: { type: 'string' }, registeredAt: isoTime('registered') },
  },
  Challenge: {
    type: 'object',
    additionalProperties: false,
    required: ['challenge', 'difficulty', 'expiresAt'],
    properties: {
      challenge: {
        type: 'string',
        description:
          'signed, for this buyer and sale: find a solution s (1-32 of [A-Za-z0-9]) such that SHA-256("<challenge>:<s>") starts with `difficulty` zero bits',
      },
      difficulty: { type: 'integer', minimum: 1 },
      expiresAt: isoTime('the solution must be used before'),
    },
  },
  Ticket: {
    type: 'object',
    additionalProperties: false,
    required: [
      'saleId',
      'buyerId',
      'status',
      'ticket',
      'joinedAt',
      'position',
      'estimatedWaitSeconds',
      'admissionRate',
    ],
    properties: {
      saleId: uuid,
      buyerId: { type: 'string' },
      status: {
        type: 'string',
        enum: ['pre_queue', 'waiting', 'admitted', 'expired', 'used', 'sold_out', 'ended'],
      },
      ticket: { type: 'integer', nullable: true, description: 'place in line, once placed' },
      joinedAt: isoTime('joined'),
      position: { type: 'integer', nullable: true, description: '1 is next' },
      estimatedWaitSeconds: { type: 'integer', nullable: true },
      admissionRate: { type: 'integer', description: 'buyers admitted per second' },
      admittedAt: isoTime('admitted'),
      admissionExpiresAt: isoTime('the admission ends'),
      admissionToken: { type: 'string', description: 'send as Admission-Token to buy' },
    },
  },
  FcodesIssued: {
    type: 'object',
    additionalProperties: false,
    required: ['saleId', 'count', 'codes'],
    properties: {
      saleId: uuid,
      count: { type: 'integer', minimum: 1 },
      codes: { type: 'array', items: { type: 'string' }, description: 'shown this once only' },
    },
  },
  SuspectsHeld: {
    type: 'object',
    additionalProperties: false,
    required: ['saleId', 'flagged', 'moved', 'admitted'],
    properties: {
      saleId: uuid,
      flagged: { type: 'integer', minimum: 0, description: 'buyers not flagged before' },
      moved: {
        type: 'integer',
        minimum: 0,
        description: 'taken out of the line now: they were waiting, and are held',
      },
      admitted: {
        type: 'integer',
        minimum: 0,
        description: 'admitted already: that admission stands until it expires',
      },
    },
  },
  AuditReport: {
    type: 'object',
    additionalProperties: false,
    required: [
      'saleId',
      'at',
      'redisOrders',
      'postgresOrders',
      'counts',
      'discrepancies',
      'resent',
    ],
    properties: {
      saleId: uuid,
      at: isoTime('when the audit read Redis'),
      redisOrders: count,
      postgresOrders: count,
      counts: {
        type: 'object',
        additionalProperties: false,
        required: [...DISCREPANCY_KINDS],
        properties: Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, count])),
      },
      discrepancies: {
        type: 'array',
        maxItems: 100,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'detail'],
          properties: {
            kind: { type: 'string', enum: [...DISCREPANCY_KINDS] },
            orderId: uuid,
            detail: { type: 'string' },
          },
        },
      },
      resent: count,
    },
  },
  RebuildReport: {
    type: 'object',
    additionalProperties: false,
    required: [
      'saleId',
      'reason',
      'epoch',
      'redisSeq',
      'postgresSeq',
      'flushed',
      'orders',
      'remaining',
      'held',
      'paid',
      'lostFrom',
      'lostTo',
      'tookMs',
    ],
    properties: {
      saleId: uuid,
      reason: { type: 'string', enum: ['missing', 'regressed', 'requested'] },
      epoch: count,
      redisSeq: { type: 'integer', minimum: 0, nullable: true },
      postgresSeq: count,
      flushed: count,
      orders: count,
      remaining: count,
      held: count,
      paid: count,
      lostFrom: isoTime('the loss window begins: accepted orders from then on may be lost'),
      lostTo: isoTime('the loss window ends (the rebuild began)'),
      tookMs: count,
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ok'] },
      info: { type: 'object' },
      error: { type: 'object' },
      details: { type: 'object' },
      sales: {
        type: 'object',
        description: 'each live sale that cannot sell, by id: missing, regressed or rebuilding',
        additionalProperties: { type: 'string', enum: ['missing', 'regressed', 'rebuilding'] },
      },
    },
  },
} satisfies Record<string, SchemaObject>;

const SALE_ID = '0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f';
const ORDER_ID = '5f0e9d8c-7b6a-4c3d-8e2f-1a0b9c8d7e6f';

/** Examples shown in the OpenAPI document, one per answer shape. */
export const EXAMPLES = {
  sale: {
    id: SALE_ID,
    name: 'Mi 2',
    sku: 'MI2-16G',
    price: 199900,
    stock: 50000,
    startsAt: '2012-10-30T04:00:00.000Z',
    endsAt: null,
    perUserLimit: 1,
    shards: 1,
  },
  publicSale: {
    id: SALE_ID,
    name: 'Mi 2',
    price: 199900,
    stock: 50000,
    remaining: 12345,
    startsAt: '2012-10-30T04:00:00.000Z',
    endsAt: null,
    perUserLimit: 1,
    status: 'live',
    serverTime: '2012-10-30T04:00:04.512Z',
  },
  stats: {
    saleId: SALE_ID,
    stock: 50000,
    remaining: 12345,
    held: 30000,
    paid: 7655,
    ordersPersisted: 37640,
    unitsPersisted: 37640,
    pipelineLag: 15,
  },
  accepted: { orderId: ORDER_ID, saleId: SALE_ID, quantity: 1, status: 'pending_payment' },
  order: {
    id: ORDER_ID,
    saleId: SALE_ID,
    buyerId: 'mi-fan-1',
    quantity: 1,
    unitPrice: 199900,
    status: 'pending_payment',
    createdAt: '2012-10-30T04:00:01.234Z',
    expiresAt: '2012-10-30T04:30:01.234Z',
  },
  challenge: {
    challenge: `pow1.${SALE_ID}.mi-fan-1.q8Xk2mZ0bV1cR4tY.1351569720000.18.nQ4Hq2w0u5xJrEoPc7e9WcVqM2kF1bZs8yXa3DgT6hL`,
    difficulty: 18,
    expiresAt: '2012-10-30T04:02:00.000Z',
  },
  registration: { saleId: SALE_ID, buyerId: 'mi-fan-1', registeredAt: '2012-10-23T04:00:00.000Z' },
  ticket: {
    saleId: SALE_ID,
    buyerId: 'mi-fan-1',
    status: 'waiting',
    ticket: 4211,
    joinedAt: '2012-10-30T03:59:58.000Z',
    position: 1200,
    estimatedWaitSeconds: 3,
    admissionRate: 500,
  },
  fcodes: { saleId: SALE_ID, count: 2, codes: ['7K3M-QX9P-2RTV-8HWN', 'B4ZD-6YJC-M1FE-0GKS'] },
  suspects: { saleId: SALE_ID, flagged: 2, moved: 1, admitted: 0 },
  devToken: { token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtaS1mYW4tMSJ9.c2lnbmF0dXJl' },
  audit: {
    saleId: SALE_ID,
    at: '2012-05-18T04:12:00.000Z',
    redisOrders: 150_000,
    postgresOrders: 149_999,
    counts: { balance: 0, units: 1, lost: 1, orphan: 0, status: 0, unexpired: 0 },
    discrepancies: [
      { kind: 'lost', orderId: ORDER_ID, detail: 'not in Postgres' },
      {
        kind: 'units',
        detail: 'live units of orders past the grace: Redis 150000, Postgres 149999',
      },
    ],
    resent: 1,
  },
  rebuild: {
    saleId: SALE_ID,
    reason: 'requested',
    epoch: 1,
    redisSeq: 182_410,
    postgresSeq: 182_410,
    flushed: 0,
    orders: 150_000,
    remaining: 0,
    held: 12_000,
    paid: 138_000,
    lostFrom: '2012-05-18T04:08:52.000Z',
    lostTo: '2012-05-18T04:10:52.000Z',
    tookMs: 3_400,
  },
  health: {
    status: 'ok',
    info: { redis: { status: 'up' }, postgres: { status: 'up' } },
    sales: { [SALE_ID]: 'rebuilding' },
  },
};

export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

export const schemaRef = (name: ResponseSchemaName) => `#/components/schemas/${name}`;

/** A success answer: its status, its named schema and an example of it. */
export function ApiAnswer(
  status: number,
  name: ResponseSchemaName,
  example: unknown,
  description: string,
): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, schema: { $ref: schemaRef(name) }, example });
}

/**
 * Error answers: for each status, the codes a route can answer with, in the one envelope.
 * Rows with the same status (a shared list and a route's own table) are merged.
 */
export function ApiErrors(...answers: ErrorRow[]): MethodDecorator {
  const merged = new Map<number, { codes: Set<ErrorCode>; descriptions: string[] }>();
  for (const [status, codes, description] of answers) {
    const row = merged.get(status) ?? { codes: new Set(), descriptions: [] };
    codes.forEach((code) => row.codes.add(code));
    if (!row.descriptions.includes(description)) row.descriptions.push(description);
    merged.set(status, row);
  }
  return applyDecorators(
    ...[...merged].map(([status, row]) => {
      const codes = [...row.codes];
      const description = row.descriptions.join('; ');
      return ApiResponse({
        status,
        description: `${codes.join(', ')}: ${description}`,
        schema: { $ref: schemaRef('Error') },
        example: errorBody(codes[0], description),
      });
    }),
  );
}

/** What every route with a token can answer besides its own. */
export const TOKEN_ERRORS: ErrorRow[] = [
  [401, [ErrorCode.Unauthorized], 'missing, malformed, expired or badly signed token'],
  [429, [ErrorCode.RateLimited], 'too many requests; Retry-After says when to come back'],
];
/** What opening an event stream can answer when this instance or the caller holds enough already. */
export const STREAM_LIMIT_ERRORS: ErrorRow[] = [
  [
    429,
    [ErrorCode.RateLimited],
    'the caller holds SSE_STREAMS_PER_BUYER streams on this instance already',
  ],
  [503, [ErrorCode.Unavailable], 'this instance holds SSE_STREAMS_PER_INSTANCE streams already'],
];
export const ADMIN_ERRORS: ErrorRow[] = [
  [401, [ErrorCode.Unauthorized], 'missing, malformed, expired or badly signed token'],
  [403, [ErrorCode.Forbidden], 'not an admin token'],
];

/** Adds the named answer schemas to a document's components. */
export function withResponseSchemas(document: OpenAPIObject): OpenAPIObject {
  document.components = {
    ...document.components,
    // JSON Schema (ajv's type) is what OpenAPI 3 shows: the two types differ only in name.
    schemas: {
      ...document.components?.schemas,
      ...(RESPONSE_SCHEMAS as NonNullable<OpenAPIObject['components']>['schemas']),
    },
  };
  return document;
}

/** List answers: a page holding the examples above. */
export const PAGE_EXAMPLES = {
  salePage: {
    items: [EXAMPLES.sale],
    nextCursor: 'MTM1MTU2OTYwMDAwMHw2YzU0YjY2Ni0yNzg5LTRlYzAtOGE0NS0zZjJhYTVmYmVmNWY',
  },
  orderPage: { items: [EXAMPLES.order], nextCursor: null },
};
