/**
 * What the producer tests share: a producer tree on a transport, and what it published.
 *
 * @module
 */

import { decodeColumnBatch } from "../../../../actors/pipeline/codec/column_batch.ts";
import { messageIds } from "../../../../actors/pipeline/codec/message_ids.ts";
import { transactionAt } from "../../../../model/columns.ts";
import type { Transaction } from "../../../../model/schema.ts";
import {
  type ProducerActorOptions,
  type ProducerMetrics,
  producerMetrics,
  producerTree,
} from "../../../../actors/pipeline/producer/mod.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { type Transport } from "../../../../actors/log/mod.ts";
import { TOPICS } from "../../../../actors/pipeline/topics.ts";

/** The transactions of one message (JSON or Arrow, as its `encoding` header says); throws if bad. */
export function messageTransactions(
  record: { value: Uint8Array; headers: Record<string, string> },
): Transaction[] {
  const { segments, failures } = decodeColumnBatch([record]);
  if (failures.length > 0) throw failures[0].error;
  return segments.flatMap(({ columns }) =>
    Array.from({ length: columns.length }, (_, i) => transactionAt(columns, i))
  );
}

/** The `trans_num` of every transaction on `topic`. */
export async function transNums(transport: Transport, topic = "transactions"): Promise<string[]> {
  const out: string[] = [];
  for (const record of await transport.readTopic(topic)) {
    out.push(...messageIds(record));
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
      topics: {
        transactions: "transactions",
        deadLetters: TOPICS.deadLetters,
        ledger: TOPICS.ledger,
      },
      partitions: 3,
      metrics,
      ...options,
    })],
  });
  return { system, metrics };
}
