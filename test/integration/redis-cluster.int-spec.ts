import { ClusterTopology } from '../../loadtest/faults/cluster-topology';

describe('a Redis Cluster of the test’s own', () => {
  let topology: ClusterTopology;
  beforeAll(async () => {
    topology = await ClusterTopology.start();
  }, 60_000);
  afterAll(async () => {
    await topology?.stop();
  });

  it('has three primaries and serves every slot', async () => {
    expect(await topology.primaryPorts()).toHaveLength(3);
    const cluster = topology.client();
    try {
      await cluster.set('{a}x', '1');
      await cluster.set('{b}x', '2');
      expect(await cluster.get('{a}x')).toBe('1');
    } finally {
      cluster.disconnect();
    }
  });
});
