/**
 * Where the cluster projects' global setup leaves the cluster's nodes. Not REDIS_CLUSTER_NODES:
 * every project runs in the same process, and only the cluster projects may use it. (A module
 * of its own: global setup runs without the path aliases that test-env needs.)
 */
export const CLUSTER_NODES_VARIABLE = 'FLASH_TEST_CLUSTER_NODES';
