/**
 * A local Apache Kafka cluster for hosts without Docker, and `fraudstream kafka`.
 *
 * @module
 */

export * from "./cluster.ts";
export { freePortBase } from "./ports.ts";
export { NodeExitedError, waitForCluster } from "./wait.ts";
export { defaultJarCache, ensureKafkaJars, KAFKA_VERSION } from "./jars.ts";
export { bootstrap, type ClusterLayout, nodeLayouts } from "./nodes.ts";
