/**
 * The log floor: the `Transport` interface and `LogError`, and its two implementations, Apache
 * Kafka (through kafkajs) and the embedded in-process log.
 *
 * @module
 */

export * from "./types.ts";
export { partitionForKey } from "./partitioner.ts";
export { EmbeddedLog, type EmbeddedLogOptions, EmbeddedTransport } from "./embedded/transport.ts";
export type { KafkaConnection } from "./kafka/client.ts";
export { KafkaTransport } from "./kafka/transport.ts";
