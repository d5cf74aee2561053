import { kafkaFixture } from "../../../fixtures/kafka.ts";
import { transportConformance } from "../conformance.ts";

transportConformance(kafkaFixture("platformatic", "platformatic"));
