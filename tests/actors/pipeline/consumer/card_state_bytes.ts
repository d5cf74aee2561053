/**
 * Bytes a consumer writes to the `card-state` topic per 1,000 transactions: generated rows are
 * published to the embedded log (JSON, `--send` rows at a time, each send scored before the next,
 * so a partition's batches are about `--send / --partitions` rows), scored by a consumer with the
 * pretrained model, and every card-state record it wrote (key, value and header bytes) is
 * counted, the seen-id segments apart (and counted on their own).
 *
 * `deno run -A tests/actors/pipeline/consumer/card_state_bytes.ts [--rows N] [--send R]
 * [--partitions P]`: one line of JSON.
 *
 * @module
 */

import { benchArgs } from "../../../fixtures/bench_args.ts";
import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { consumerMetrics, consumerTree } from "../../../../actors/pipeline/consumer/mod.ts";
import { modelScoring } from "../../../../actors/pipeline/consumer/model_scoring.ts";
import { TOPICS, topicSpecs } from "../../../../actors/pipeline/topics.ts";
import { benchData } from "../../../../actors/tools/bench/data.ts";
import { encodeJson } from "../../../../actors/pipeline/codec/transactions.ts";
import { parseTransactionLine } from "../../../../model/row_validator.ts";
import { poll } from "../../../../actors/lib/async.ts";

if (import.meta.main) {
  const args = benchArgs(import.meta, {
    rows: { type: "string", default: "5000" },
    send: { type: "string", default: "500" },
    partitions: { type: "string", default: "6" },
  });
  const rows = Number(args.values.rows);
  const send = Number(args.values.send);
  const partitions = Number(args.values.partitions);
  const lines = (await benchData({ rows, seed: 42 })).strings();
  const transactions = lines.map((line) => {
    const row = parseTransactionLine(line);
    if ("reason" in row) throw new Error(row.reason);
    return row;
  });
  const transport = new EmbeddedTransport();
  const topic = "transactions";
  await transport.ensureTopics(topicSpecs({ topic, partitions, replicationFactor: undefined }));
  const scoring = await modelScoring({
    model: new URL("../../../../resources/models/pretrained", import.meta.url).pathname,
    modelsDir: "resources/models",
    workers: 1,
  });
  const metrics = consumerMetrics();
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "consumer",
    children: [consumerTree({
      transport,
      groupId: "card-state-bytes",
      topics: {
        transactions: topic,
        alerts: TOPICS.alerts,
        scores: TOPICS.scores,
        deadLetters: TOPICS.deadLetters,
        cardState: TOPICS.cardState,
      },
      emitScores: false,
      scorers: scoring.scorers,
      metrics,
      before: scoring.children,
      path: "",
    })],
  });
  try {
    const producer = await transport.producer();
    for (let from = 0; from < rows; from += send) {
      const slice = transactions.slice(from, from + send);
      await producer.send(
        topic,
        slice.map((row) => ({ key: row.cc_num, value: encodeJson(row), headers: {} })),
      );
      const scored = await poll(() => metrics.scored >= from + slice.length, {
        timeoutMs: 60_000,
      });
      if (!scored) throw new Error(`rows ${from} to ${from + slice.length} were not scored`);
    }
    let bytes = 0;
    let records = 0;
    let seenIdBytes = 0;
    for (const record of await transport.readTopic(TOPICS.cardState)) {
      let size = record.value.byteLength + (record.key?.length ?? 0);
      for (const [name, value] of Object.entries(record.headers)) {
        size += name.length + value.length;
      }
      if (record.key?.includes("#ids/")) {
        seenIdBytes += size;
        continue;
      }
      records++;
      bytes += size;
    }
    console.log(JSON.stringify({
      rows,
      send,
      partitions,
      cards: new Set(transactions.map((row) => row.cc_num)).size,
      batches: metrics.batches,
      card_state_records: records,
      card_state_bytes: bytes,
      bytes_per_1000_rows: Math.round((bytes / rows) * 1000),
      // The seen-id segments, each written whole whenever a batch adds to it.
      seen_id_bytes_per_1000_rows: Math.round((seenIdBytes / rows) * 1000),
    }));
  } finally {
    await system.shutdown();
    await transport.close();
  }
}
