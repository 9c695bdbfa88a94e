import globalTeardown from './global-teardown';

export default async function clusterGlobalTeardown(): Promise<void> {
  const cluster = globalThis.__flashCluster;
  if (cluster && --cluster.users === 0) {
    await cluster.topology.stop();
    globalThis.__flashCluster = undefined;
  }
  await globalTeardown();
}
