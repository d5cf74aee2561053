/**
 * The Kafka transport through @platformatic/kafka: the admin calls, the reads, the producers and
 * the consumer-group members, each in its own file, over the same connection settings
 * (`client.ts`). Every failure is a `LogError` (`errors.ts`). Records, partitions and offsets are
 * the kafkajs transport's, so the two clients can share topics and groups.
 *
 * @module
 */

import { ClientTransport } from "../client_transport.ts";
import type { KafkaConnection } from "../kafka/client.ts";
import type { ConsumerOptions, LogConsumer } from "../types.ts";
import { PlatformaticAdmin } from "./admin.ts";
import { PlatformaticGroupMember } from "./group_member.ts";
import { PlatformaticProducers } from "./producer.ts";
import { PlatformaticReader } from "./reader.ts";

/** A transport over a Kafka cluster, through @platformatic/kafka. */
export class PlatformaticTransport extends ClientTransport {
  readonly #connection: KafkaConnection;
  readonly #admin: PlatformaticAdmin;

  /** Prepares the clients; nothing connects until first use. */
  constructor(connection: KafkaConnection) {
    const admin = new PlatformaticAdmin(connection);
    super({
      admin,
      reader: new PlatformaticReader(connection, admin),
      producers: new PlatformaticProducers(connection, admin),
    });
    this.#connection = connection;
    this.#admin = admin;
  }

  consumer(options: ConsumerOptions): LogConsumer {
    return new PlatformaticGroupMember(this.#connection, this.#admin, options);
  }
}
