/**
 * The log floor: the `Transport` interface and `LogError`, and its implementations: Apache Kafka
 * (through kafkajs, or through @platformatic/kafka) and the embedded in-process log.
 *
 * @module
 */

export * from "./types.ts";
export { partitionForKey } from "./partitioner.ts";
export { EmbeddedLog, type EmbeddedLogOptions, EmbeddedTransport } from "./embedded/transport.ts";
export type { KafkaConnection } from "./kafka/client.ts";
export { KafkaTransport } from "./kafka/transport.ts";
export { KAFKA_CLIENTS, type KafkaClientName } from "./kafka_client.ts";
// `PlatformaticTransport` is imported from ./platformatic/transport.ts where it is wanted (as
// `pipeline/connect.ts` does, on demand): @platformatic/kafka reads a WebAssembly file of its own
// when it is loaded, which the bundle does not carry.
export type { PlatformaticTransport } from "./platformatic/transport.ts";
