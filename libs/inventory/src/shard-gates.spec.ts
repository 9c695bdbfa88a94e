import { admissionValid } from './shard-gates';
import { codeShard } from './shards';
import type { RawTicket } from './scripts/script-entries';

const admitted: RawTicket = {
  armed: true,
  ticket: 7,
  joinedMs: 0,
  head: 10,
  nextTicket: 20,
  opened: true,
  shuffled: true,
  remaining: 1,
  startMs: 0,
  endMs: 0,
  rate: 5,
  admissionTtlMs: 60_000,
  admittedAtMs: 1_000,
  used: false,
  nowMs: 2_000,
  held: false,
};

describe('admissionValid', () => {
  it('holds for the buyer own admitted ticket while the admission lasts', () => {
    expect(admissionValid(admitted, 7)).toBe(true);
  });

  it.each<[string, Partial<RawTicket>, number]>([
    ['another buyer ticket', {}, 6],
    ['a ticket not admitted yet', { head: 6 }, 7],
    ['a lapsed admission', { nowMs: 61_000 }, 7],
    ['a sale without a waiting room', { armed: false }, 7],
    ['the pre-queue', { ticket: 0 }, 0],
    ['no admission time', { admittedAtMs: -1 }, 7],
  ])('fails for %s', (_, change, ticket) => {
    expect(admissionValid({ ...admitted, ...change }, ticket)).toBe(false);
  });
});

describe('codeShard', () => {
  it('spreads codes over the shards by their hash, and keeps every code in shard 0 unsharded', () => {
    expect(codeShard('00000005' + 'f'.repeat(56), 3)).toBe(2);
    expect(codeShard('ffffffff' + '0'.repeat(56), 1)).toBe(0);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++)
      counts[codeShard((i * 2654435761).toString(16).padStart(8, '0'), 3)]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
  });
});
