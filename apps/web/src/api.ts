import { explain } from './error-messages';

/** An error answer, with the sentence the pages show. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly explanation: string,
  ) {
    super(explanation);
  }
}

export interface Answer<T> {
  status: number;
  body: T;
}

/** JSON over fetch with a bearer token; an error answer throws ApiFailure. */
export async function api<T>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiFailure(0, 'NETWORK', 'The shop cannot be reached. Check your connection.');
  }
  const text = await res.text();
  const body = (text ? JSON.parse(text) : undefined) as T & {
    error?: { code: string; message: string };
  };
  if (res.status >= 400) {
    const code = body?.error?.code ?? `HTTP_${res.status}`;
    throw new ApiFailure(res.status, code, explain(code, body?.error?.message));
  }
  return { status: res.status, body };
}

/** A dev token (DEV_TOKENS=true: local and compose runs). */
export async function devToken(sub: string, admin = false): Promise<string> {
  const answer = await api<{ token: string }>('POST', '/auth/dev-token', {
    body: admin ? { sub, role: 'admin' } : { sub },
  });
  return answer.body.token;
}
