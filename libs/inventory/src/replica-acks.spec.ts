import { acknowledged } from './replica-acks';

describe('acknowledged', () => {
  const wait = (waitReplicas: number, waitLocalAof = false) => ({
    waitReplicas,
    waitTimeoutMs: 100,
    waitLocalAof,
  });

  it('counts the replicas a WAIT reached', () => {
    expect(acknowledged(1, wait(1))).toBe(true);
    expect(acknowledged(2, wait(1))).toBe(true);
    expect(acknowledged(0, wait(1))).toBe(false);
  });

  it('needs the local fsync and the replicas of a WAITAOF', () => {
    expect(acknowledged([1, 1], wait(1, true))).toBe(true);
    expect(acknowledged([0, 1], wait(1, true))).toBe(false);
    expect(acknowledged([1, 0], wait(1, true))).toBe(false);
    expect(acknowledged([1, 0], wait(0, true))).toBe(true);
  });
});
