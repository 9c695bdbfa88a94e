import { call, createSale, devToken, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

interface LogLine {
  level: number;
  time: number;
  app: string;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
}

/** pino's JSON lines in a process's output (Node's own warnings on stderr are not ours). */
function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

async function sell(e2e: E2E, buyers: number, headers: Record<string, string> = {}) {
  const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: buyers });
  const answers = [];
  for (let i = 0; i < buyers; i++) {
    const token = await devToken(e2e.stack.http, `log-buyer-${i}`);
    answers.push(
      await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token,
        body: { quantity: 1 },
        headers,
      }),
    );
  }
  return answers;
}

describe('structured logs', () => {
  describe('at info', () => {
    let e2e: E2E;
    beforeAll(async () => {
      e2e = await startE2E({ LOG_LEVEL: 'info' }, { worker: false });
    });
    afterAll(() => stopE2E(e2e));

    it('writes JSON lines, and not one per purchase, accepted or refused', async () => {
      const answers = await sell(e2e, 5);
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
      const token = await devToken(e2e.stack.http, 'log-buyer-0');
      const saleId = answers[0].body.saleId as string;
      const again = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token,
        body: { quantity: 1 },
      });
      expect(again.status).toBe(409);

      const lines = logLines(e2e.stack.api.output());
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toMatchObject({ app: 'api', level: expect.any(Number) });
        expect(line.level).toBeGreaterThanOrEqual(30);
      }
      expect(lines.some((l) => l.msg.startsWith('listening on'))).toBe(true);
      // An error answer names its request; a 202 has nothing to quote.
      const bad = await call(e2e.stack.http, 'GET', '/sales/not-a-uuid');
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      expect(answers[0].headers['x-request-id']).toBeUndefined();
      // Nothing about a request at all: no line carries one.
      expect(lines.filter((l) => l.reqId !== undefined || l.req !== undefined)).toEqual([]);
    });
  });

  describe('at debug', () => {
    let e2e: E2E;
    beforeAll(async () => {
      e2e = await startE2E({ LOG_LEVEL: 'debug' }, { worker: false });
    });
    afterAll(() => stopE2E(e2e));

    it("logs each request once with its id, keeps a caller's plain X-Request-Id and echoes it", async () => {
      const [answer] = await sell(e2e, 1, { 'x-request-id': 'balancer-42' });
      expect(answer.status).toBe(202);
      expect(answer.headers['x-request-id']).toBe('balancer-42');
      // Written when the answer has gone out: it may reach the pipe a moment later.
      const mine = () => logLines(e2e.stack.api.output()).filter((l) => l.reqId === 'balancer-42');
      await until(() => Promise.resolve(mine().length > 0));
      expect(mine()).toEqual([
        expect.objectContaining({
          level: 20,
          reqId: 'balancer-42',
          req: { method: 'POST', url: expect.stringContaining('/purchase') },
          res: { statusCode: 202 },
        }),
      ]);
      // Tokens stay out of the logs: no headers are written.
      expect(e2e.stack.api.output()).not.toContain('Bearer');
    });

    it('replaces a hostile request id with its own', async () => {
      const hostile = 'x'.repeat(65);
      const answer = await call(e2e.stack.http, 'GET', '/health', {
        headers: { 'x-request-id': hostile },
      });
      const id = answer.headers['x-request-id'] as string;
      expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      await until(() =>
        Promise.resolve(logLines(e2e.stack.api.output()).some((l) => l.reqId === id)),
      );
      expect(e2e.stack.api.output()).not.toContain(hostile);
    });
  });
});
