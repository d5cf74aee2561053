/**
 * What the producer tests share: a producer tree on a transport, and what it published.
 *
 * @module
 */

import { decodeTransactions } from "../../../../actors/pipeline/codec/transactions.ts";
import {
  type ProducerActorOptions,
  type ProducerMetrics,
  producerMetrics,
  producerTree,
} from "../../../../actors/pipeline/producer/mod.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { type Transport } from "../../../../actors/log/mod.ts";
import { TOPICS } from "../../../../actors/pipeline/topics.ts";

/** The `trans_num` of every transaction on `topic`. */
export async function transNums(transport: Transport, topic = "transactions"): Promise<string[]> {
  const out: string[] = [];
  for (const record of await transport.readTopic(topic)) {
    out.push(...decodeTransactions(record.value, record.headers.encoding).map((t) => t.trans_num));
  }
  return out;
}

/** The dead letters on `topic`, parsed, with the size of each message. */
export async function deadLetters(
  transport: Transport,
  topic: string = TOPICS.deadLetters,
): Promise<(Record<string, unknown> & { messageBytes: number })[]> {
  return (await transport.readTopic(topic)).map((record) => ({
    ...JSON.parse(new TextDecoder().decode(record.value)),
    messageBytes: record.value.byteLength,
  }));
}

/** Starts a producer tree on `transport` watching `input` (3 partitions); the system and counters. */
export async function startProducer(
  transport: Transport,
  input: string,
  options:
    & Pick<ProducerActorOptions, "encoding" | "producerId" | "maxFilesPerTrigger">
    & Partial<Omit<ProducerActorOptions, "transport" | "input" | "metrics">>,
): Promise<{ system: ActorSystem; metrics: ProducerMetrics }> {
  const metrics = producerMetrics();
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "produce",
    intensity: 100,
    children: [producerTree({
      transport,
      input,
      topics: { transactions: "transactions", deadLetters: TOPICS.deadLetters },
      partitions: 3,
      metrics,
      ...options,
    })],
  });
  return { system, metrics };
}
