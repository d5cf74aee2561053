/**
 * The Kafka transport, through kafkajs: one client (`client.ts`) shared by the admin calls, the
 * reads and the consumer-group members, and one for the producers, whose lookups ride out a node's
 * death (`PRODUCER_CLIENT_RETRY`); each role in its own file. Every failure is a `LogError`
 * (`errors.ts`).
 *
 * @module
 */

import type { Kafka } from "kafkajs";
import { ClientTransport } from "../client_transport.ts";
import type { ConsumerOptions, LogConsumer } from "../types.ts";
import { KafkaAdmin } from "./admin.ts";
import { kafkaClient, type KafkaConnection, PRODUCER_CLIENT_RETRY } from "./client.ts";
import { KafkaGroupMember } from "./group_member.ts";
import { KafkaProducers } from "./producer.ts";
import { KafkaReader } from "./reader.ts";

/** A transport over a Kafka cluster. */
export class KafkaTransport extends ClientTransport {
  readonly #kafka: Kafka;
  readonly #brokers: string[];

  /** Prepares a client; nothing connects until first use. */
  constructor(connection: KafkaConnection) {
    const kafka = kafkaClient(connection);
    const brokers = connection.brokers;
    const admin = new KafkaAdmin(kafka, brokers);
    super({
      admin,
      reader: new KafkaReader(kafka, admin, brokers),
      producers: new KafkaProducers(kafkaClient(connection, PRODUCER_CLIENT_RETRY), admin, brokers),
    });
    this.#kafka = kafka;
    this.#brokers = brokers;
  }

  consumer(options: ConsumerOptions): LogConsumer {
    return new KafkaGroupMember(this.#kafka, options, this.#brokers);
  }
}
