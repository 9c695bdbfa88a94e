import Redis from 'ioredis';
import { ReplicaAckRounds } from '@flash/inventory';
import { FaultProxy } from '../../loadtest/faults/fault-proxy';
import { RedisServer, waitFor } from '../../loadtest/faults/servers';

/**
 * The replica wait against a real primary and replica of the test's own (processes on
 * loopback), the replica linked through a fault proxy so that it can be made to lag.
 */
describe('replica acknowledgement rounds (real primary and replica)', () => {
  let primary: RedisServer;
  let replica: RedisServer;
  let link: FaultProxy;
  let writer: Redis;
  let waiter: Redis;
  const wanted = { waitReplicas: 1, waitTimeoutMs: 300, waitLocalAof: false };

  beforeAll(async () => {
    primary = await RedisServer.start('none');
    link = await FaultProxy.start(primary.port);
    replica = await RedisServer.start('none', { replicaOf: link.port });
    await waitFor(async () => {
      const probe = replica.client();
      try {
        return (await probe.info('replication')).includes('master_link_status:up');
      } finally {
        probe.disconnect();
      }
    }, 'the replica link');
    writer = primary.client();
    waiter = primary.client();
  });

  afterAll(async () => {
    writer?.disconnect();
    waiter?.disconnect();
    await link?.stop();
    await replica?.stop();
    await primary?.stop();
  });

  it('confirms writes the replica holds, one WAIT for many purchases', async () => {
    const rounds = new ReplicaAckRounds(waiter, 'marker:many', wanted);
    const confirmed = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        await writer.set(`order:${i}`, 'held');
        return rounds.confirm();
      }),
    );
    expect(confirmed.every(Boolean)).toBe(true);
    // Every confirmed write is on the replica.
    const onReplica = replica.client();
    expect(await onReplica.exists(...confirmed.map((_, i) => `order:${i}`))).toBe(50);
    onReplica.disconnect();
    // Group commit: far fewer rounds (marker increments) than purchases.
    expect(Number(await writer.get('marker:many'))).toBeLessThan(50);
  });

  it('refuses to confirm while the replica lags, and confirms once it catches up', async () => {
    const rounds = new ReplicaAckRounds(waiter, 'marker:lag', wanted);
    link.pause();
    await writer.set('order:lagging', 'held');
    expect(await rounds.confirm()).toBe(false);
    link.resume();
    await waitFor(() => rounds.confirm(), 'the replica catching up');
    const onReplica = replica.client();
    expect(await onReplica.get('order:lagging')).toBe('held');
    onReplica.disconnect();
  });

  it('counts a round whose Redis never answers as unconfirmed', async () => {
    const stalled = await FaultProxy.start(primary.port);
    const silent = new Redis(stalled.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    silent.on('error', () => undefined);
    await silent.ping();
    stalled.pause();
    const rounds = new ReplicaAckRounds(silent, 'marker:silent', wanted);
    expect(await rounds.confirm()).toBe(false);
    silent.disconnect();
    await stalled.stop();
  });
});
