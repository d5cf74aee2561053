/**
 * The Kafka client libraries a Kafka transport can use: kafkajs (`kafka/`) or @platformatic/kafka
 * (`platformatic/`). Both speak to the same topics, partitions and groups, so a deployment may
 * mix them.
 *
 * @module
 */

/** The Kafka client libraries, by the name `--kafka-client` takes. */
export const KAFKA_CLIENTS = ["kafkajs", "platformatic"] as const;

/** A Kafka client library. */
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];
