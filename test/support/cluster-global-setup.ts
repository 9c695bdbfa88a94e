import { ClusterTopology } from '../../loadtest/faults/cluster-topology';
import globalSetup from './global-setup';
import { CLUSTER_NODES_VARIABLE } from './cluster-nodes';

declare global {
  var __flashCluster: { topology: ClusterTopology; users: number } | undefined;
}

/**
 * The cluster projects: the same suites, with every Redis client of the tests and of the apps
 * they start on a real 6-node Redis Cluster (3 primaries, 3 replicas) on loopback ports.
 * Postgres (and REDIS_URL, for credentials only) come as in the other projects. Both cluster
 * projects share one cluster. Its nodes are passed under a name of the tests' own: the other
 * projects run in the same process and must not see them (see newWorld).
 */
export default async function clusterGlobalSetup(): Promise<void> {
  await globalSetup();
  if (!globalThis.__flashCluster) {
    const topology = await ClusterTopology.start(3);
    globalThis.__flashCluster = { topology, users: 0 };
    process.env[CLUSTER_NODES_VARIABLE] = topology.nodes;
  }
  globalThis.__flashCluster.users++;
}
