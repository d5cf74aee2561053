import { kafkaFixture, TEST_KAFKA_CLIENTS } from "../../../fixtures/kafka.ts";
import { consumerSuite } from "./consumer_suite.ts";

// FRAUDSTREAM_TEST_KAFKA_CLIENT picks the clients (kafkajs unless told; `all` for both).
for (const client of TEST_KAFKA_CLIENTS) {
  consumerSuite(kafkaFixture(client === "kafkajs" ? "kafka" : `kafka (${client})`, client));
}
