/**
 * Removal of what a bench run leaves on a Kafka cluster: the transactions topic and consumer
 * group of each cell. The transport has no delete call (a deployment never deletes its topics),
 * so the bench holds its own admin connection, made from the same connection settings.
 *
 * @module
 */

import { type Admin, Kafka, type KafkaConfig, logLevel, type SASLOptions } from "kafkajs";
import { describeKafkaError, type KafkaConnection } from "../transport/kafka.ts";

/** Deletes topics and consumer groups. */
export interface TopicDeleter {
  /** Deletes `topics` (those that exist) and `groups`; rejects when a topic was not deleted. */
  delete(what: { topics: string[]; groups: string[] }): Promise<void>;
  close(): Promise<void>;
}

/** How long the cluster may take to delete a topic, in ms. */
const DELETE_TIMEOUT_MS = 15_000;

function adminConfig(connection: KafkaConnection): KafkaConfig {
  const config: KafkaConfig = {
    clientId: `${connection.clientId}-bench-admin`,
    brokers: connection.brokers,
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 2000, retries: 3 },
    logLevel: logLevel.NOTHING,
  };
  if (connection.tls) {
    config.ssl = connection.tls.ca ? { ca: [Deno.readTextFileSync(connection.tls.ca)] } : true;
  }
  if (connection.sasl) config.sasl = { ...connection.sasl } as SASLOptions;
  return config;
}

/** A deleter on the cluster of `connection`; it connects on first use. */
export function kafkaTopicDeleter(connection: KafkaConnection): TopicDeleter {
  const kafka = new Kafka(adminConfig(connection));
  let admin: Promise<Admin> | undefined;
  const connected = () =>
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })();
  return {
    async delete({ topics, groups }) {
      try {
        const client = await connected();
        if (groups.length > 0) {
          // A group still holding members (actors left behind) is not deleted; its offsets
          // expire with the cluster's offsets retention.
          await client.deleteGroups(groups).catch(() => {});
        }
        // A run that failed before creating its topic has nothing to delete.
        const existing = new Set(await client.listTopics());
        const present = topics.filter((topic) => existing.has(topic));
        if (present.length > 0) {
          await client.deleteTopics({ topics: present, timeout: DELETE_TIMEOUT_MS });
        }
      } catch (error) {
        const failed = admin;
        admin = undefined; // the next call connects afresh
        failed?.then((client) => client.disconnect()).catch(() => {});
        throw describeKafkaError(error, connection.brokers);
      }
    },
    async close() {
      const client = admin;
      admin = undefined;
      await client?.then((c) => c.disconnect()).catch(() => {});
    },
  };
}
