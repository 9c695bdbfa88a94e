import { Pool } from 'undici';

export interface Answer<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A small JSON client for the tests. `body` may be a raw string to send malformed JSON. */
export async function call<T = any>(
  http: Pool,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await http.request({ method: method as 'GET', path, headers, body: payload });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: res.statusCode, headers: res.headers, body: body as T };
}

export async function devToken(http: Pool, sub: string, admin = false): Promise<string> {
  const res = await call<{ token: string }>(http, 'POST', '/auth/dev-token', {
    body: admin ? { sub, role: 'admin' } : { sub },
  });
  if (res.status !== 200)
    throw new Error(`dev-token failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/**
 * Calls as named buyers, each with a dev token made on first use and kept: `as(buyer,
 * method, path, {body, headers})`.
 */
export function buyerCalls(
  http: () => Pool,
): (
  buyer: string,
  method: string,
  path: string,
  options?: { body?: unknown; headers?: Record<string, string> },
) => Promise<Answer> {
  const tokens = new Map<string, string>();
  return async (buyer, method, path, options = {}) => {
    if (!tokens.has(buyer)) tokens.set(buyer, await devToken(http(), buyer));
    return call(http(), method, path, { token: tokens.get(buyer), ...options });
  };
}

export async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Reads until `done` holds of what was read or the time is up, and returns the last reading,
 * so that the test asserts on it and says what was wrong rather than only that time ran out.
 */
export async function eventually<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function expectErrorShape(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(typeof answer.body.error.message).toBe('string');
  expect(Object.keys(answer.body)).toEqual(['error']);
}

/** Creates a sale through the admin API (live since a second ago unless told otherwise). */
export async function createSale(
  http: Pool,
  adminToken: string,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const res = await call(http, 'POST', '/admin/sales', {
    token: adminToken,
    body: {
      name: 'Mi test',
      sku: 'MI-TEST',
      price: 199_900,
      stock: 10,
      startsAt: new Date(Date.now() - 1000).toISOString(),
      ...fields,
    },
  });
  if (res.status !== 201)
    throw new Error(`creating the sale failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}
