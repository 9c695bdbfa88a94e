import { randomUUID } from 'node:crypto';
import { ProofOfWorkGate, solveChallenge, workOf } from '@flash/bot-defence';
import { RedisKeys } from '@flash/redis';
import { deleteKeys, newWorld, worldRedis } from '../support/test-env';

/** The gate against real Redis: a solution is redeemed once, whoever sends it again. */
describe('proof-of-work gate', () => {
  const world = newWorld();
  const redis = worldRedis(world);
  const keys = new RedisKeys(world.config.redisKeyPrefix);
  const gate = new ProofOfWorkGate(redis, keys, world.config.waitingRoom.admissionSecret);

  afterAll(async () => {
    await deleteKeys(redis, `${world.config.redisKeyPrefix}*`);
    await redis.quit();
  });

  it('redeems a solved challenge once; a replay, even racing, is refused', async () => {
    const saleId = randomUUID();
    const now = Date.now();
    const { challenge } = gate.issue(saleId, 'alice', 8, now, 60_000);
    const solution = solveChallenge(challenge, 8);
    const expected = { saleId, buyerId: 'alice', nowMs: now };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => gate.redeem(challenge, solution, expected)),
    );
    expect(answers.filter((a) => a.kind === 'ok')).toHaveLength(1);
    expect(answers.filter((a) => a.kind === 'replayed')).toHaveLength(9);
    // Kept no longer than the challenge could be used.
    const ttl = await redis.pttl(`${keys.sale(saleId).powRedeemed}:${challenge.split('.')[3]}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('writes nothing in Redis for a forged or unsolved one', async () => {
    const saleId = randomUUID();
    const now = Date.now();
    const { challenge } = gate.issue(saleId, 'bob', 16, now, 60_000);
    const forged = new ProofOfWorkGate(redis, keys, 'f'.repeat(40)).issue(
      saleId,
      'bob',
      0,
      now,
      60_000,
    );
    const expected = { saleId, buyerId: 'bob', nowMs: now };
    const redeemed = (token: string) => `${keys.sale(saleId).powRedeemed}:${token.split('.')[3]}`;
    expect((await gate.redeem(forged.challenge, '0', expected)).kind).toBe('forged');
    expect(await redis.exists(redeemed(forged.challenge))).toBe(0);
    let weak = 0;
    while (workOf(challenge, weak.toString(36)) >= 16) weak++;
    expect((await gate.redeem(challenge, weak.toString(36), expected)).kind).toBe('insufficient');
    expect(await redis.exists(redeemed(challenge))).toBe(0);
  });
});
