import globalTeardown from './global-teardown';

export default async function clusterGlobalTeardown(): Promise<void> {
  await globalThis.__flashCluster?.stop();
  await globalTeardown();
}
