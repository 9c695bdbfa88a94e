import { connect } from 'node:net';
import { Pool } from 'undici';
import { mintToken } from '../bench/bench-support';
import type { AttackStack } from './attack-stack';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Verdict {
  /** True when the system refused the attack: what it tried did not happen. */
  refused: boolean;
  detail: string;
}

export interface Attack {
  id: string;
  severity: Severity;
  /** The point of the security issue it reproduces, or `fuzz`: the earlier input fuzzers. */
  point: number | 'fuzz';
  title: string;
  run(stack: AttackStack): Promise<Verdict>;
}

/** The fields of the API's answers the attacks read. */
export interface Body {
  id?: string;
  orderId?: string;
  queues?: { name: string }[];
  error?: { code: string; message: string };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Body | undefined;
}

export async function call(
  http: Pool,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined;
  if (o.body !== undefined) {
    body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await http.request({ method: method as 'GET', path, headers, body });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.statusCode, headers: res.headers, body: parsed as Body | undefined };
}

/** A request written by hand (undici never sends the absolute form of a target). */
export function raw(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

export const verdict = (refused: boolean, detail: string): Verdict => ({ refused, detail });

export async function createSale(stack: AttackStack, fields: Record<string, unknown> = {}) {
  const answer = await call(stack.http, 'POST', '/admin/sales', {
    token: stack.admin,
    body: {
      name: 'Mi 3',
      sku: 'MI3',
      price: 199_900,
      stock: 20,
      perUserLimit: 2,
      startsAt: new Date(Date.now() - 1000).toISOString(),
      ...fields,
    },
  });
  if (answer.status !== 201) throw new Error(`creating a sale answered ${answer.status}`);
  return answer.body?.id as string;
}

export async function buy(stack: AttackStack, saleId: string, buyer: string): Promise<Answer> {
  const token = mintToken(buyer, stack.env.JWT_SECRET);
  return call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token, body: {} });
}

/** A job added to the orders queue as the board (with writes on) or a Redis client could. */

/** The contract's error shape: `{error: {code, message}}`, and nothing else. */
export function hasErrorShape(answer: Answer): boolean {
  const error = answer.body?.error;
  return (
    answer.body !== undefined &&
    Object.keys(answer.body).length === 1 &&
    typeof error?.code === 'string' &&
    typeof error.message === 'string'
  );
}

/** What a sale holds, as its operator sees it: a fuzzer's attempt must leave it unchanged. */
export async function saleState(stack: AttackStack, saleId: string): Promise<string> {
  const stats = await call(stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
    token: stack.admin,
  });
  const { remaining, held, paid } = stats.body as Record<string, unknown>;
  return JSON.stringify({ remaining, held, paid });
}
