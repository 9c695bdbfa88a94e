import type { RawTicket } from '@flash/inventory';
import { ticketState } from './ticket-status';

const NOW = 1_800_000_000_000;
const raw = (overrides: Partial<RawTicket>): RawTicket => ({
  armed: true,
  ticket: 10,
  joinedMs: NOW - 60_000,
  head: 4,
  nextTicket: 20,
  opened: true,
  shuffled: true,
  remaining: 5,
  startMs: NOW - 10_000,
  endMs: 0,
  rate: 3,
  admissionTtlMs: 30_000,
  admittedAtMs: -1,
  used: false,
  nowMs: NOW,
  held: false,
  ...overrides,
});

describe('ticketState', () => {
  it('puts a waiting ticket at ticket - head, with the wait at the admission rate', () => {
    expect(ticketState(raw({}))).toMatchObject({
      status: 'waiting',
      ticket: 10,
      position: 6,
      estimatedWaitSeconds: 2,
    });
    // Before the pre-queue is placed, no estimate.
    expect(ticketState(raw({ shuffled: false })).estimatedWaitSeconds).toBeNull();
  });

  it('keeps a pre-queue ticket without a place until the shuffle', () => {
    expect(ticketState(raw({ ticket: 0, opened: false }))).toMatchObject({
      status: 'pre_queue',
      ticket: null,
      position: null,
    });
  });

  it('admits until the admission lifetime is over', () => {
    const admitted = raw({ head: 12, admittedAtMs: NOW - 29_000 });
    expect(ticketState(admitted)).toMatchObject({
      status: 'admitted',
      admissionExpiresAtMs: NOW + 1000,
    });
    expect(ticketState({ ...admitted, nowMs: NOW + 1000 }).status).toBe('expired');
  });

  it('reports used, sold out and ended before anything else', () => {
    expect(ticketState(raw({ used: true, head: 12, admittedAtMs: NOW })).status).toBe('used');
    expect(ticketState(raw({ remaining: 0 })).status).toBe('sold_out');
    // An admitted buyer keeps the admission through a sell-out: units may come back.
    expect(ticketState(raw({ remaining: 0, head: 12, admittedAtMs: NOW })).status).toBe('admitted');
    expect(ticketState(raw({ endMs: NOW })).status).toBe('ended');
  });

  it("shows a suspect's shadow ticket as waiting, never admitted, at the back once passed", () => {
    // Not reached yet: waiting like anyone else.
    expect(ticketState(raw({ held: true, ticket: 10 }))).toMatchObject({
      status: 'waiting',
      ticket: 10,
      position: 6,
    });
    // The head passed it, with an admission on record: still waiting, at the back of the line.
    const passed = ticketState(raw({ held: true, ticket: 3, admittedAtMs: NOW - 1000 }));
    expect(passed).toMatchObject({ status: 'waiting', ticket: 4 + 15, position: 15 });
    expect(passed.admissionExpiresAt).toBeUndefined();
    // Before the opening, sold out, and ended: as a buyer's.
    expect(ticketState(raw({ held: true, ticket: 0, opened: false })).status).toBe('pre_queue');
    expect(ticketState(raw({ held: true, remaining: 0 })).status).toBe('sold_out');
    expect(ticketState(raw({ held: true, endMs: NOW - 1 })).status).toBe('ended');
  });
});
