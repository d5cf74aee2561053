import { kafkaFixture } from "../../../fixtures/kafka.ts";
import { consumerSuite } from "./consumer_suite.ts";

consumerSuite(kafkaFixture());
