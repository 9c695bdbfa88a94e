import { readChallenge, solveChallenge, workOf } from '@flash/bot-defence';
import { TEST_SECRETS } from '@flash/config';
import { Answer, buyerCalls, call, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

const DIFFICULTY = 8;

/**
 * The proof-of-work gate over HTTP: a sale switches it on, buyers ask for challenges, solve
 * them and register or join with the solution. Forged, altered, misdirected, expired, unsolved
 * and replayed solutions are refused, and a refusal leaves nothing behind.
 */
describe('bot defences over HTTP: proof of work, and a line without a pre-queue', () => {
  let e2e: E2E;
  const as = buyerCalls(() => e2e.stack.http);

  beforeAll(async () => {
    e2e = await startE2E({ RATE_LIMIT_PER_BUYER: '1000', POW_CHALLENGE_TTL_MS: '1500' });
  });
  afterAll(() => stopE2E(e2e));

  async function createSale(extra: Record<string, unknown>): Promise<Answer> {
    const now = Date.now();
    return call(e2e.stack.http, 'POST', '/admin/sales', {
      token: e2e.admin,
      body: {
        name: 'Redmi',
        sku: 'REDMI-1S',
        price: 69_900,
        stock: 10,
        startsAt: new Date(now + 60_000).toISOString(),
        ...extra,
      },
    });
  }

  const gatedSale = async () => {
    const created = await createSale({
      appointments: { opensAt: new Date(Date.now() - 1000).toISOString() },
      waitingRoom: { admissionRate: 10 },
      proofOfWork: { difficulty: DIFFICULTY },
    });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };

  /** A fresh challenge for the buyer, solved: the header value. */
  async function solved(buyer: string, saleId: string): Promise<string> {
    const issued = await as(buyer, 'POST', `/sales/${saleId}/challenge`);
    expect(issued.status).toBe(201);
    expect(issued.body.difficulty).toBe(DIFFICULTY);
    return `${issued.body.challenge}:${solveChallenge(issued.body.challenge, DIFFICULTY)}`;
  }

  const register = (buyer: string, saleId: string, pow?: string) =>
    as(buyer, 'POST', `/sales/${saleId}/registration`, {
      headers: pow ? { 'proof-of-work': pow } : {},
    });
  const join = (buyer: string, saleId: string, pow?: string) =>
    as(buyer, 'POST', `/sales/${saleId}/queue`, { headers: pow ? { 'proof-of-work': pow } : {} });

  it('a sale asks for it only with something to guard, and within bounds; nothing is created otherwise', async () => {
    const before = await e2e.sql.query('SELECT count(*)::int AS n FROM sales');
    for (const proofOfWork of [
      { difficulty: 0 },
      { difficulty: 33 },
      { difficulty: '8' },
      { difficulty: 8, extra: true },
      {},
      null,
    ]) {
      const refused = await createSale({
        waitingRoom: { admissionRate: 10 },
        proofOfWork,
      });
      expectErrorShape(refused, 400, 'INVALID_REQUEST');
    }
    const unguarded = await createSale({ proofOfWork: { difficulty: 8 } });
    expectErrorShape(unguarded, 400, 'INVALID_REQUEST');
    expect(unguarded.body.error.message).toContain('appointments or a waitingRoom');
    const after = await e2e.sql.query('SELECT count(*)::int AS n FROM sales');
    expect(after.rows[0].n).toBe(before.rows[0].n);

    const saleId = await gatedSale();
    const view = await call(e2e.stack.http, 'GET', `/sales/${saleId}`);
    expect(view.body.proofOfWork).toEqual({ difficulty: DIFFICULTY });
    const row = await e2e.sql.query('SELECT pow_difficulty FROM sales WHERE id = $1', [saleId]);
    expect(row.rows[0].pow_difficulty).toBe(DIFFICULTY);
  });

  it('hands out signed challenges for the buyer and the sale, and refuses bad asks', async () => {
    const saleId = await gatedSale();
    const issued = await as('ann', 'POST', `/sales/${saleId}/challenge`);
    expect(issued.status).toBe(201);
    expect(Object.keys(issued.body).sort()).toEqual(['challenge', 'difficulty', 'expiresAt']);
    const read = readChallenge(issued.body.challenge, TEST_SECRETS.ADMISSION_TOKEN_SECRET);
    expect(read).toMatchObject({ ok: true, challenge: { saleId, buyerId: 'ann' } });
    expect(Date.parse(issued.body.expiresAt)).toBeGreaterThan(Date.now());

    const plain = await createSale({ waitingRoom: { admissionRate: 10 } });
    expectErrorShape(
      await as('ann', 'POST', `/sales/${plain.body.id}/challenge`),
      409,
      'NOT_ENABLED',
    );
    expectErrorShape(
      await as('ann', 'POST', '/sales/00000000-0000-4000-8000-000000000000/challenge'),
      404,
      'NOT_FOUND',
    );
    expectErrorShape(await as('ann', 'POST', '/sales/nope/challenge'), 400, 'INVALID_REQUEST');
    expectErrorShape(
      await call(e2e.stack.http, 'POST', `/sales/${saleId}/challenge`),
      401,
      'UNAUTHORIZED',
    );
    const withBody = await as('ann', 'POST', `/sales/${saleId}/challenge`, {
      body: { difficulty: 1 },
    });
    expectErrorShape(withBody, 400, 'INVALID_REQUEST');
  });

  it('lets a solved challenge register and join once; no header, forged, altered, misdirected, unsolved or hostile ones change nothing', async () => {
    const saleId = await gatedSale();
    const otherSale = await gatedSale();

    expectErrorShape(await register('bob', saleId), 403, 'PROOF_OF_WORK_REQUIRED');
    expectErrorShape(await join('bob', saleId), 403, 'PROOF_OF_WORK_REQUIRED');

    const good = await solved('bob', saleId);
    const [challenge, solution] = good.split(':');
    const parts = challenge.split('.');
    const flipped = parts[6].startsWith('A') ? 'B' : 'A';
    const forged = [...parts.slice(0, 6), flipped + parts[6].slice(1)].join('.');
    // The difficulty lowered to 1, and solved for 1: the signature no longer holds.
    const easier = [...parts.slice(0, 5), '1', parts[6]].join('.');
    let unsolved = 0;
    while (workOf(challenge, String(unsolved)) >= DIFFICULTY) unsolved++;
    const refusals: [string, string, string][] = [
      ['carol', saleId, good], // another buyer's challenge
      ['bob', otherSale, good], // another sale's
      ['bob', saleId, `${forged}:${solveChallenge(forged, DIFFICULTY)}`],
      ['bob', saleId, `${easier}:${solveChallenge(easier, 1)}`],
      ['bob', saleId, `${challenge}:${unsolved}`],
      ['bob', saleId, `${challenge}:`],
      ['bob', saleId, `${challenge}:${solution}:${solution}`],
      ['bob', saleId, `${'x'.repeat(4000)}:${solution}`],
      ['bob', saleId, `${challenge}:${'9'.repeat(33)}`],
      ['bob', saleId, `pow1.${saleId}.bob.n.99999999999999.${DIFFICULTY}.sig:1`],
    ];
    for (const [buyer, sale, pow] of refusals) {
      const answer = await join(buyer, sale, pow);
      expectErrorShape(answer, 403, 'PROOF_OF_WORK_INVALID');
    }
    const why = await join('carol', saleId, good);
    expect(why.body.error.message).toContain('another buyer');

    // Nothing happened: no tickets, no registrations, and bob's solution is still unspent.
    for (const [buyer, sale] of [
      ['bob', saleId],
      ['carol', saleId],
      ['bob', otherSale],
    ]) {
      expect((await as(buyer, 'GET', `/sales/${sale}/queue`)).status).toBe(404);
    }
    const registrations = await e2e.sql.query(
      'SELECT count(*)::int AS n FROM registrations WHERE sale_id = ANY($1)',
      [[saleId, otherSale]],
    );
    expect(registrations.rows[0].n).toBe(0);

    expect((await register('bob', saleId, good)).status).toBe(201);
    const replayed = await join('bob', saleId, good);
    expectErrorShape(replayed, 403, 'PROOF_OF_WORK_INVALID');
    expect(replayed.body.error.message).toContain('used already');
    expect((await as('bob', 'GET', `/sales/${saleId}/queue`)).status).toBe(404);

    const joined = await join('bob', saleId, await solved('bob', saleId));
    expect(joined.status).toBe(201);
    expect(joined.body.status).toBe('pre_queue');
  });

  it('one solution sent ten times at once passes once', async () => {
    const saleId = await gatedSale();
    expect((await register('dan', saleId, await solved('dan', saleId))).status).toBe(201);
    const pow = await solved('dan', saleId);
    const answers = await Promise.all(Array.from({ length: 10 }, () => join('dan', saleId, pow)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(9);
    for (const answer of refused) expectErrorShape(answer, 403, 'PROOF_OF_WORK_INVALID');
  });

  it('refuses a challenge solved after it expired', async () => {
    const saleId = await gatedSale();
    const pow = await solved('eve', saleId);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const late = await register('eve', saleId, pow);
    expectErrorShape(late, 403, 'PROOF_OF_WORK_INVALID');
    expect(late.body.error.message).toContain('expired');
  });

  it('a line without a pre-queue opens at the opening, first come first served', async () => {
    expectErrorShape(
      await createSale({ waitingRoom: { admissionRate: 10, preQueue: 'no' } }),
      400,
      'INVALID_REQUEST',
    );
    const created = await createSale({
      startsAt: new Date(Date.now() + 1500).toISOString(),
      waitingRoom: { admissionRate: 10, preQueue: false },
    });
    expect(created.body.waitingRoom).toEqual({
      admissionRate: 10,
      admissionTtlSeconds: 120,
      preQueue: false,
    });
    const saleId = created.body.id as string;
    const early = await join('gil', saleId);
    expectErrorShape(early, 409, 'NOT_STARTED');
    expect((await as('gil', 'GET', `/sales/${saleId}/queue`)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const first = await join('hal', saleId);
    const second = await join('gil', saleId);
    expect([first.status, first.body.ticket, second.status, second.body.ticket]).toEqual([
      201, 1, 201, 2,
    ]);
  });

  it('leaves sales without the gate as they were', async () => {
    const created = await createSale({ waitingRoom: { admissionRate: 10 } });
    expect((await join('fay', created.body.id, 'anything:at-all')).status).toBe(201);
  });
});
