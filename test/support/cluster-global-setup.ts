import { ClusterTopology } from '../../loadtest/faults/cluster-topology';
import globalSetup from './global-setup';

declare global {
  var __flashCluster: ClusterTopology | undefined;
}

/**
 * The cluster project: the same suites, with every Redis client of the tests and of the apps
 * they start on a real 6-node Redis Cluster (3 primaries, 3 replicas) on loopback ports.
 * Postgres (and REDIS_URL, for credentials only) come as in the other projects.
 */
export default async function clusterGlobalSetup(): Promise<void> {
  await globalSetup();
  const cluster = await ClusterTopology.start(3);
  globalThis.__flashCluster = cluster;
  process.env.REDIS_CLUSTER_NODES = cluster.nodes;
}
