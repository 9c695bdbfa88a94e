import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import { Answer, call, createSale, devToken } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

interface Operation {
  responses: Record<
    string,
    { content?: Record<string, { schema?: Record<string, unknown>; example?: unknown }> }
  >;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const JSON_TYPE = 'application/json';
/** The served document as committed; `UPDATE_OPENAPI=1` rewrites it from the API. */
const COMMITTED = join(__dirname, '..', '..', 'docs', 'openapi.json');

/**
 * The served OpenAPI document is valid OpenAPI 3, every answer of every route has a schema
 * and an example that fits it, every error answer is the one error envelope, and the API's
 * real answers fit the schemas the document gives them.
 */
describe('the OpenAPI document', () => {
  let e2e: E2E;
  let doc: Document;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const compiled = new Map<string, ValidateFunction>();

  /** The validator for a response schema, its $refs resolved against the document. */
  function validatorFor(schema: Record<string, unknown>): ValidateFunction {
    const key = JSON.stringify(schema);
    if (!compiled.has(key)) {
      const ref = typeof schema.$ref === 'string' ? `openapi${schema.$ref}` : undefined;
      compiled.set(key, ajv.compile(ref ? { $ref: ref } : schema));
    }
    return compiled.get(key)!;
  }

  /** Checks a real answer against what the document says this route answers with. */
  function expectDocumented(method: string, path: string, answer: Answer): void {
    const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(answer.status)];
    expect({ method, path, status: answer.status, documented: Boolean(response) }).toEqual({
      method,
      path,
      status: answer.status,
      documented: true,
    });
    const schema = response.content?.[JSON_TYPE]?.schema;
    expect(schema).toBeDefined();
    const validate = validatorFor(schema!);
    expect({
      path,
      status: answer.status,
      errors: validate(answer.body) ? [] : validate.errors,
    }).toEqual({ path, status: answer.status, errors: [] });
  }

  beforeAll(async () => {
    e2e = await startE2E();
    doc = (await call<Document>(e2e.stack.http, 'GET', '/docs/openapi.json')).body;
    ajv.addSchema({ components: doc.components }, 'openapi');
  });
  afterAll(async () => {
    await stopE2E(e2e);
  });

  // The API as clients see it, committed: a change to any route, schema or example shows
  // here as a change to docs/openapi.json, never silently (a refactor must leave it alone).
  it('is the committed docs/openapi.json, to the byte', () => {
    const served = `${JSON.stringify(doc, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, served);
    expect(served).toBe(readFileSync(COMMITTED, 'utf8'));
  });

  it('is valid OpenAPI 3 (checked by @seriousme/openapi-schema-validator)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const run = spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
    expect(doc.openapi).toMatch(/^3\./);
    // It prints {valid, errors?} and exits 1 when the document is not valid.
    expect({ exit: run.status, result: JSON.parse(run.stdout || '{}') as unknown }).toEqual({
      exit: 0,
      result: { valid: true },
    });
  });

  it('gives every answer of every route a schema and an example that fits it; errors are one envelope', () => {
    const problems: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses);
        if (!statuses.some((s) => s.startsWith('2'))) problems.push(`${where}: no success answer`);
        for (const [status, response] of Object.entries(operation.responses)) {
          const contents = Object.entries(response.content ?? {});
          if (contents.length === 0) problems.push(`${where} ${status}: no content`);
          for (const [type, { schema, example }] of contents) {
            if (!schema || example === undefined)
              problems.push(`${where} ${status} ${type}: no schema or no example`);
            else if (!validatorFor(schema)(example))
              problems.push(`${where} ${status} ${type}: the example does not fit its schema`);
            if (Number(status) >= 400 && schema?.$ref !== '#/components/schemas/Error')
              problems.push(`${where} ${status}: not the error envelope`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('describes what the API really answers', async () => {
    const http = e2e.stack.http;
    const buyer = await devToken(http, 'openapi-buyer');
    const as = (token: string, method: string, path: string, body?: unknown) =>
      call(http, method, path, { token, body });

    expectDocumented(
      'POST',
      '/auth/dev-token',
      await call(http, 'POST', '/auth/dev-token', { body: { sub: 'x' } }),
    );
    expectDocumented(
      'POST',
      '/auth/dev-token',
      await call(http, 'POST', '/auth/dev-token', { body: {} }),
    );
    expectDocumented('GET', '/health', await call(http, 'GET', '/health'));

    const created = await as(e2e.admin, 'POST', '/admin/sales', {
      name: 'Mi 2',
      sku: 'MI2',
      price: 199_900,
      stock: 1,
      startsAt: new Date(Date.now() - 1000).toISOString(),
    });
    expectDocumented('POST', '/admin/sales', created);
    const saleId = created.body.id as string;
    expectDocumented('GET', '/sales/{id}', await call(http, 'GET', `/sales/${saleId}`));
    expectDocumented('GET', '/sales/{id}', await call(http, 'GET', `/sales/not-a-uuid`));

    const bought = await as(buyer, 'POST', `/sales/${saleId}/purchase`, { quantity: 1 });
    expectDocumented('POST', '/sales/{id}/purchase', bought);
    const other = await devToken(http, 'openapi-other');
    expectDocumented(
      'POST',
      '/sales/{id}/purchase',
      await as(other, 'POST', `/sales/${saleId}/purchase`, {}),
    );
    expectDocumented(
      'POST',
      '/sales/{id}/purchase',
      await call(http, 'POST', `/sales/${saleId}/purchase`),
    );
    const orderId = bought.body.orderId as string;
    expectDocumented('GET', '/orders/{id}', await as(buyer, 'GET', `/orders/${orderId}`));
    expectDocumented('GET', '/orders/{id}', await as(other, 'GET', `/orders/${orderId}`));
    expectDocumented('POST', '/orders/{id}/pay', await as(buyer, 'POST', `/orders/${orderId}/pay`));
    expectDocumented(
      'POST',
      '/orders/{id}/cancel',
      await as(buyer, 'POST', `/orders/${orderId}/cancel`),
    );
    expectDocumented(
      'GET',
      '/admin/sales/{id}/stats',
      await as(e2e.admin, 'GET', `/admin/sales/${saleId}/stats`),
    );
    expectDocumented(
      'GET',
      '/admin/sales/{id}/stats',
      await as(buyer, 'GET', `/admin/sales/${saleId}/stats`),
    );

    // The mechanisms: appointments, F-codes and a waiting room before the opening.
    const now = Date.now();
    const mechanics = await createSale(http, e2e.admin, {
      startsAt: new Date(now + 600_000).toISOString(),
      appointments: { opensAt: new Date(now - 1000).toISOString() },
      fcodes: { priorityStartsAt: new Date(now + 300_000).toISOString() },
      waitingRoom: { admissionRate: 10 },
    });
    const stats = await as(e2e.admin, 'GET', `/admin/sales/${mechanics}/stats`);
    expectDocumented('GET', '/admin/sales/{id}/stats', stats);
    const audit = await as(e2e.admin, 'GET', `/admin/sales/${saleId}/audit`);
    expect(audit.status).toBe(200);
    expectDocumented('GET', '/admin/sales/{id}/audit', audit);
    const rebuilt = await as(e2e.admin, 'POST', `/admin/sales/${mechanics}/rebuild`);
    expect(rebuilt.status).toBe(200);
    expectDocumented('POST', '/admin/sales/{id}/rebuild', rebuilt);
    expectDocumented('GET', '/sales/{id}', await call(http, 'GET', `/sales/${mechanics}`));
    expectDocumented(
      'POST',
      '/admin/sales/{id}/fcodes',
      await as(e2e.admin, 'POST', `/admin/sales/${mechanics}/fcodes`, { count: 2 }),
    );
    expectDocumented(
      'POST',
      '/sales/{id}/registration',
      await as(buyer, 'POST', `/sales/${mechanics}/registration`),
    );
    expectDocumented(
      'GET',
      '/sales/{id}/registration',
      await as(buyer, 'GET', `/sales/${mechanics}/registration`),
    );
    expectDocumented(
      'GET',
      '/sales/{id}/registration',
      await as(other, 'GET', `/sales/${mechanics}/registration`),
    );
    expectDocumented(
      'POST',
      '/sales/{id}/queue',
      await as(buyer, 'POST', `/sales/${mechanics}/queue`),
    );
    expectDocumented(
      'POST',
      '/sales/{id}/queue',
      await as(other, 'POST', `/sales/${mechanics}/queue`),
    );
    expectDocumented(
      'GET',
      '/sales/{id}/queue',
      await as(buyer, 'GET', `/sales/${mechanics}/queue`),
    );
    expectDocumented('GET', '/sales/{id}/queue', await as(buyer, 'GET', `/sales/${saleId}/queue`));
  });
});
