import Redis from 'ioredis';
import { TEST_SECRETS, loadConfig } from '@flash/config';
import { ReplicaAckRounds, ReplicaAcks } from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
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

  it('vouches only for writes made before no watched connection reconnected', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      ...TEST_SECRETS,
      REDIS_URL: primary.url,
      PURCHASE_WAIT_REPLICAS: '1',
      PURCHASE_WAIT_TIMEOUT_MS: '300',
    });
    const commands = primary.client();
    await commands.ping();
    const acks = new ReplicaAcks(config, new RedisKeys('acks:'), commands);
    await acks.onModuleInit();
    // Its own connection counts once it is up.
    await waitFor(() => Promise.resolve(acks.epoch() === 1), 'the durability connection');
    try {
      const since = acks.epoch();
      await commands.set('order:before', 'held');
      expect(await acks.confirm('sale', since)).toBe(true);
      // A failover moves the connection to another server: what it wrote before is not
      // vouched for by a WAIT answered there.
      const ready = new Promise((r) => commands.once('ready', r));
      commands.disconnect(true);
      await ready;
      expect(await acks.confirm('sale', since)).toBe(false);
      const now = acks.epoch();
      await commands.set('order:after', 'held');
      expect(await acks.confirm('sale', now)).toBe(true);
    } finally {
      await acks.onApplicationShutdown();
      commands.disconnect();
    }
  });
});
